//! The policy matrix: every image operation × caller persona × image
//! visibility, over HTTP, against upstream Glance's default (secure-RBAC)
//! policy and visibility rules (reference §1.7, §1.10, §4.2, §4.3).
//!
//! Every cell runs; all mismatches are reported at once as
//! `op × persona × visibility: expected X got Y`. Cells where the server is
//! known to disagree with upstream are listed in [`KNOWN_GAPS`] (with the
//! server's actual answer) so CI stays green while the gap stays visible; a
//! listed cell that starts to pass fails the test until it is removed.

use crate::common::{TestServer, data};
use glance_config::ApiConfig;
use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::fmt;
use std::time::Instant;

/// A cell where the server is known to disagree with upstream.
struct Gap {
    op: &'static str,
    persona: &'static str,
    visibility: &'static str,
    /// Upstream's answer (as [`Outcome`] prints it).
    expected: &'static str,
    /// The server's answer today.
    actual: &'static str,
    reason: &'static str,
}

/// Known server/upstream disagreements. Keep empty when there are none.
const KNOWN_GAPS: &[Gap] = &[];

const VISIBILITIES: [&str; 4] = ["public", "private", "shared", "community"];

/// Owner of every image under test.
const OWNER: &str = "p1";
/// Bystander member of every shared image (the target of "member delete").
const BYSTANDER: &str = "p4";
const DATA_LEN: usize = 1024;

/// Who calls. Project-scoped no-auth identity headers; roles as Keystone's
/// implied roles expand them (admin ⊃ member ⊃ reader).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Persona {
    Admin,
    OwnerMember,
    OwnerReader,
    OtherMember,
    OtherReader,
    /// p2 (member, reader) with a pending / accepted / rejected membership of
    /// the shared image; only meaningful for shared images.
    Pending,
    Accepted,
    Rejected,
}

impl Persona {
    const ALL: [Persona; 8] = [
        Persona::Admin,
        Persona::OwnerMember,
        Persona::OwnerReader,
        Persona::OtherMember,
        Persona::OtherReader,
        Persona::Pending,
        Persona::Accepted,
        Persona::Rejected,
    ];

    fn name(self) -> &'static str {
        match self {
            Persona::Admin => "admin",
            Persona::OwnerMember => "owner-member",
            Persona::OwnerReader => "owner-reader",
            Persona::OtherMember => "other-member",
            Persona::OtherReader => "other-reader",
            Persona::Pending => "pending-member",
            Persona::Accepted => "accepted-member",
            Persona::Rejected => "rejected-member",
        }
    }

    fn project(self) -> &'static str {
        match self {
            Persona::Admin => "padmin",
            Persona::OwnerMember | Persona::OwnerReader => OWNER,
            _ => "p2",
        }
    }

    fn roles(self) -> &'static str {
        match self {
            Persona::Admin => "admin,member,reader",
            Persona::OwnerReader | Persona::OtherReader => "reader",
            _ => "member,reader",
        }
    }

    /// p2's membership status of the shared image in this persona's column.
    /// The admin and owner columns have p2 pending too, so that "member
    /// update" has an entry to act on; plain other-project callers have none.
    fn p2_status(self) -> Option<&'static str> {
        match self {
            Persona::Admin | Persona::OwnerMember | Persona::OwnerReader | Persona::Pending => {
                Some("pending")
            }
            Persona::Accepted => Some("accepted"),
            Persona::Rejected => Some("rejected"),
            Persona::OtherMember | Persona::OtherReader => None,
        }
    }

    fn is_image_member(self) -> bool {
        matches!(
            self,
            Persona::Pending | Persona::Accepted | Persona::Rejected
        )
    }

    fn is_admin(self) -> bool {
        self == Persona::Admin
    }

    fn is_owner(self) -> bool {
        self.project() == OWNER
    }

    fn has_member_role(self) -> bool {
        self.roles().split(',').any(|r| r == "member")
    }

    fn headers(self, rb: RequestBuilder) -> RequestBuilder {
        rb.header("X-Project-Id", self.project())
            .header("X-User-Id", format!("user-{}", self.name()))
            .header("X-Roles", self.roles())
    }
}

/// The state an operation needs its image in.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Fixture {
    /// Active with data and tag `t0`; shared by every read-only cell.
    Read,
    /// Active with data and tag `t0`; one per column for the changing
    /// operations, which run in [`Op::ALL`] order (delete last).
    Mutable,
    /// Queued (no data), one per column: for upload.
    Queued,
    /// Deactivated, one per column: for reactivate.
    Deactivated,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Show,
    ListDefault,
    ListVisibility,
    Download,
    MemberList,
    Update,
    AddTag,
    DeleteTag,
    MemberCreate,
    MemberUpdate,
    MemberDelete,
    Deactivate,
    Delete,
    Upload,
    Reactivate,
}

enum Body {
    None,
    Json(Value),
    Patch(Value),
    Bytes(Vec<u8>),
}

impl Op {
    const ALL: [Op; 15] = [
        Op::Show,
        Op::ListDefault,
        Op::ListVisibility,
        Op::Download,
        Op::MemberList,
        Op::Update,
        Op::AddTag,
        Op::DeleteTag,
        Op::MemberCreate,
        Op::MemberUpdate,
        Op::MemberDelete,
        Op::Deactivate,
        Op::Delete,
        Op::Upload,
        Op::Reactivate,
    ];

    fn name(self) -> &'static str {
        match self {
            Op::Show => "show",
            Op::ListDefault => "list (default)",
            Op::ListVisibility => "list ?visibility=<v>",
            Op::Download => "download",
            Op::MemberList => "member list",
            Op::Update => "update",
            Op::AddTag => "add tag",
            Op::DeleteTag => "delete tag",
            Op::MemberCreate => "member create",
            Op::MemberUpdate => "member update",
            Op::MemberDelete => "member delete",
            Op::Deactivate => "deactivate",
            Op::Delete => "delete",
            Op::Upload => "upload",
            Op::Reactivate => "reactivate",
        }
    }

    fn fixture(self) -> Fixture {
        match self {
            Op::Show | Op::ListDefault | Op::ListVisibility | Op::Download | Op::MemberList => {
                Fixture::Read
            }
            Op::Upload => Fixture::Queued,
            Op::Reactivate => Fixture::Deactivated,
            _ => Fixture::Mutable,
        }
    }

    fn is_list(self) -> bool {
        matches!(self, Op::ListDefault | Op::ListVisibility)
    }

    fn request(self, id: &str, visibility: &str) -> (Method, String, Body) {
        let image = format!("/v2/images/{id}");
        match self {
            Op::Show => (Method::GET, image, Body::None),
            // Narrowed to the one image by `id` (a plain column filter) so the
            // answer does not depend on pagination.
            Op::ListDefault => (Method::GET, format!("/v2/images?id={id}"), Body::None),
            Op::ListVisibility => (
                Method::GET,
                format!("/v2/images?visibility={visibility}&id={id}"),
                Body::None,
            ),
            Op::Download => (Method::GET, format!("{image}/file"), Body::None),
            Op::MemberList => (Method::GET, format!("{image}/members"), Body::None),
            Op::Update => (
                Method::PATCH,
                image,
                Body::Patch(json!([{"op": "replace", "path": "/name", "value": "renamed"}])),
            ),
            Op::AddTag => (Method::PUT, format!("{image}/tags/t1"), Body::None),
            Op::DeleteTag => (Method::DELETE, format!("{image}/tags/t0"), Body::None),
            Op::MemberCreate => (
                Method::POST,
                format!("{image}/members"),
                Body::Json(json!({"member": "p3"})),
            ),
            Op::MemberUpdate => (
                Method::PUT,
                format!("{image}/members/p2"),
                Body::Json(json!({"status": "accepted"})),
            ),
            Op::MemberDelete => (
                Method::DELETE,
                format!("{image}/members/{BYSTANDER}"),
                Body::None,
            ),
            Op::Deactivate => (
                Method::POST,
                format!("{image}/actions/deactivate"),
                Body::None,
            ),
            Op::Reactivate => (
                Method::POST,
                format!("{image}/actions/reactivate"),
                Body::None,
            ),
            Op::Delete => (Method::DELETE, image, Body::None),
            Op::Upload => (
                Method::PUT,
                format!("{image}/file"),
                Body::Bytes(data(DATA_LEN)),
            ),
        }
    }
}

/// What a cell answers: a status code, or for the list operations whether a
/// 200 list contains the image.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Code(u16),
    Listed(bool),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Code(c) => write!(f, "{c}"),
            Outcome::Listed(true) => f.write_str("listed"),
            Outcome::Listed(false) => f.write_str("not listed"),
        }
    }
}

/// Upstream's answer for one cell.
fn expected(op: Op, who: Persona, visibility: &str) -> Outcome {
    let shared = visibility == "shared";
    let open = matches!(visibility, "public" | "community");
    // §4.3: who can see the image by id (any membership status counts).
    let visible = who.is_admin() || who.is_owner() || open || (shared && who.is_image_member());
    // §4.2: `admin or (role:member and project_id:%(project_id)s)`.
    let owner_member = who.is_admin() || (who.is_owner() && who.has_member_role());
    // An invisible image is 404 whatever the rule; visible but denied is 403.
    let gate = |allowed: bool, ok: u16| {
        Outcome::Code(match (visible, allowed) {
            (false, _) => 404,
            (true, true) => ok,
            (true, false) => 403,
        })
    };
    match op {
        Op::Show => gate(true, 200),
        // §1.3: community images are in no default list but their owner's
        // (upstream `image_get_all` applies that filter to admins too);
        // shared ones only with an accepted membership.
        Op::ListDefault => Outcome::Listed(if who.is_admin() {
            visibility != "community"
        } else {
            who.is_owner() || visibility == "public" || who == Persona::Accepted
        }),
        Op::ListVisibility => {
            Outcome::Listed(who.is_admin() || who.is_owner() || open || who == Persona::Accepted)
        }
        // `download_image`: admin or member role (readers cannot download).
        Op::Download => gate(who.is_admin() || who.has_member_role(), 200),
        Op::Update => gate(owner_member, 200),
        Op::AddTag | Op::DeleteTag | Op::Upload | Op::Delete | Op::Deactivate | Op::Reactivate => {
            gate(owner_member, 204)
        }
        // §1.10: only shared images have members (403 otherwise, admin
        // included). `get_members`: reader of the owner or member project.
        Op::MemberList => gate(shared, 200),
        Op::MemberCreate => gate(shared && owner_member, 200),
        // `modify_member`: admin or the member project itself (owner → 403).
        Op::MemberUpdate => gate(shared && (who.is_admin() || who.is_image_member()), 200),
        Op::MemberDelete => gate(shared && owner_member, 204),
    }
}

/// Checks one cell against upstream and [`KNOWN_GAPS`]; a failure line is
/// pushed for a new mismatch or for a known gap that no longer occurs.
fn judge(
    failures: &mut Vec<String>,
    known: &mut Vec<String>,
    cell: (&str, &str, &str),
    want: Outcome,
    got: Outcome,
    body: &str,
) {
    let (op, persona, visibility) = cell;
    let gap = KNOWN_GAPS
        .iter()
        .find(|g| g.op == op && g.persona == persona && g.visibility == visibility);
    let line = format!("{op} × {persona} × {visibility}: expected {want} got {got}");
    match gap {
        None if want == got => {}
        None => failures.push(format!("{line}\n    body: {}", snippet(body))),
        Some(g) if g.expected == want.to_string() && g.actual == got.to_string() => {
            known.push(format!("{line} (known gap: {})", g.reason));
        }
        Some(g) => failures.push(format!(
            "{line}; KNOWN_GAPS says expected {} got {}: update or remove the entry\n    body: {}",
            g.expected,
            g.actual,
            snippet(body)
        )),
    }
}

fn snippet(body: &str) -> String {
    let one_line = body.replace('\n', " ");
    match one_line.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &one_line[..i]),
        None => one_line,
    }
}

/// Sends a prepared request; returns the status and the body text.
async fn send(rb: RequestBuilder, body: Body) -> (u16, String) {
    let rb = match body {
        Body::None => rb,
        Body::Json(v) => rb.json(&v),
        Body::Patch(v) => rb
            .header(
                "Content-Type",
                "application/openstack-images-v2.1-json-patch",
            )
            .body(v.to_string()),
        Body::Bytes(b) => rb
            .header("Content-Type", "application/octet-stream")
            .body(b),
    };
    let r = rb.send().await.unwrap();
    let code = r.status().as_u16();
    (code, r.text().await.unwrap())
}

/// Runs one cell's request; returns the outcome and the body text.
async fn outcome(rb: RequestBuilder, body: Body, op: Op, id: &str) -> (Outcome, String) {
    let (code, text) = send(rb, body).await;
    if op.is_list() && code == 200 {
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let listed = v["images"]
            .as_array()
            .is_some_and(|a| a.iter().any(|i| i["id"] == id));
        (Outcome::Listed(listed), text)
    } else {
        (Outcome::Code(code), text)
    }
}

/// Builds images owned by p1 over the no-auth server.
struct Images<'a> {
    s: &'a TestServer,
}

impl Images<'_> {
    /// A fixture step; it must succeed.
    async fn call(&self, who: Persona, method: Method, path: &str, body: Body) {
        let rb = who.headers(
            self.s
                .client
                .request(method, format!("{}{path}", self.s.base)),
        );
        let (code, text) = send(rb, body).await;
        assert!(code < 300, "fixture {path}: {code} {text}");
    }

    /// An image of `visibility` owned by p1 in state `fixture`, with tag `t0`;
    /// shared ones get the bystander member and p2 with `p2_status`.
    async fn make(&self, visibility: &str, p2_status: Option<&str>, fixture: Fixture) -> String {
        // Only an admin may publicize (§4.2), so public images are made by
        // the admin on p1's behalf.
        let creator = if visibility == "public" {
            Persona::Admin
        } else {
            Persona::OwnerMember
        };
        let body = json!({"name": "matrix", "disk_format": "raw", "container_format": "bare",
                          "visibility": visibility, "owner": OWNER, "tags": ["t0"]});
        let r = creator
            .headers(self.s.client.post(format!("{}/v2/images", self.s.base)))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{:?}", r.text().await);
        let v: Value = r.json().await.unwrap();
        let id = v["id"].as_str().unwrap().to_string();
        let path = format!("/v2/images/{id}");
        let owner = Persona::OwnerMember;
        if fixture != Fixture::Queued {
            let file = Body::Bytes(data(DATA_LEN));
            self.call(owner, Method::PUT, &format!("{path}/file"), file)
                .await;
        }
        if fixture == Fixture::Deactivated {
            let deactivate = format!("{path}/actions/deactivate");
            self.call(owner, Method::POST, &deactivate, Body::None)
                .await;
        }
        if visibility == "shared" {
            let members = format!("{path}/members");
            for member in [Some(BYSTANDER), p2_status.map(|_| "p2")]
                .into_iter()
                .flatten()
            {
                let body = Body::Json(json!({"member": member}));
                self.call(owner, Method::POST, &members, body).await;
            }
            if let Some(status @ ("accepted" | "rejected")) = p2_status {
                let body = Body::Json(json!({"status": status}));
                let p2 = Persona::Accepted; // any p2 member-role caller
                self.call(p2, Method::PUT, &format!("{members}/p2"), body)
                    .await;
            }
        }
        id
    }
}

#[tokio::test]
async fn policy_matrix_over_http() {
    let started = Instant::now();
    let s = TestServer::start().await;
    let images = Images { s: &s };
    // Read-only cells share one image per (visibility, p2 status).
    let mut read: HashMap<(&str, Option<&str>), String> = HashMap::new();
    let (mut failures, mut known, mut cells) = (Vec::new(), Vec::new(), 0);
    for who in Persona::ALL {
        for visibility in VISIBILITIES {
            if who.is_image_member() && visibility != "shared" {
                continue;
            }
            let p2 = if visibility == "shared" {
                who.p2_status()
            } else {
                None
            };
            let mut column: HashMap<Fixture, String> = HashMap::new();
            for op in Op::ALL {
                let fixture = op.fixture();
                let id = match fixture {
                    Fixture::Read => match read.get(&(visibility, p2)) {
                        Some(id) => id.clone(),
                        None => {
                            let id = images.make(visibility, p2, fixture).await;
                            read.insert((visibility, p2), id.clone());
                            id
                        }
                    },
                    _ => match column.get(&fixture) {
                        Some(id) => id.clone(),
                        None => {
                            let id = images.make(visibility, p2, fixture).await;
                            column.insert(fixture, id.clone());
                            id
                        }
                    },
                };
                let (method, path, body) = op.request(&id, visibility);
                let rb = who.headers(s.client.request(method, format!("{}{path}", s.base)));
                let (got, text) = outcome(rb, body, op, &id).await;
                let want = expected(op, who, visibility);
                let cell = (op.name(), who.name(), visibility);
                judge(&mut failures, &mut known, cell, want, got, &text);
                cells += 1;
            }
        }
    }
    report(cells, &failures, &known, started);
}

/// Reads the admin password from the `admin-openrc` the built-in identity
/// writes on first start (as tests/api/identity.rs does).
fn openrc_password(path: &std::path::Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let line = text.lines().find(|l| l.contains("OS_PASSWORD=")).unwrap();
    let (_, value) = line.split_once('=').unwrap();
    value.trim_matches('\'').to_string()
}

/// The default mode (built-in identity): a caller without a token gets 401
/// from every /v2 operation, on images that exist, whatever their visibility.
#[tokio::test]
async fn anonymous_gets_401_everywhere() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let env = vec![(
        "GLANCE_DATA_DIR".to_string(),
        dir.path().display().to_string(),
    )];
    let config = ApiConfig::load(&[], env).unwrap();
    let base = crate::common::serve_config(&config).await;
    let c = reqwest::Client::new();

    let auth = json!({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"name": "Default"},
            "password": openrc_password(&dir.path().join("admin-openrc"))}}},
        "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}});
    let r = c
        .post(format!("{base}/identity/v3/auth/tokens"))
        .json(&auth)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let token = r.headers()["x-subject-token"].to_str().unwrap().to_string();

    let (mut failures, mut known, mut cells) = (Vec::new(), Vec::new(), 0);
    for visibility in VISIBILITIES {
        // A real image of that visibility, with data, a tag and (if shared) a member.
        let r = c
            .post(format!("{base}/v2/images"))
            .header("X-Auth-Token", &token)
            .json(
                &json!({"name": "matrix", "disk_format": "raw", "container_format": "bare",
                          "visibility": visibility, "tags": ["t0"]}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let id = r.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let r = c
            .put(format!("{base}/v2/images/{id}/file"))
            .header("X-Auth-Token", &token)
            .header("Content-Type", "application/octet-stream")
            .body(data(DATA_LEN))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        if visibility == "shared" {
            let r = c
                .post(format!("{base}/v2/images/{id}/members"))
                .header("X-Auth-Token", &token)
                .json(&json!({"member": BYSTANDER}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
        }
        for op in Op::ALL {
            let (method, path, body) = op.request(&id, visibility);
            let rb = c.request(method, format!("{base}{path}"));
            let (got, text) = outcome(rb, body, op, &id).await;
            let cell = (op.name(), "anonymous", visibility);
            judge(
                &mut failures,
                &mut known,
                cell,
                Outcome::Code(401),
                got,
                &text,
            );
            cells += 1;
        }
    }
    report(cells, &failures, &known, started);
}

fn report(cells: usize, failures: &[String], known: &[String], started: Instant) {
    eprintln!(
        "policy matrix: {cells} cells, {} mismatches, {} known gaps, {:.1?}",
        failures.len(),
        known.len(),
        started.elapsed()
    );
    for k in known {
        eprintln!("  {k}");
    }
    assert!(
        failures.is_empty(),
        "{} of {cells} cells disagree with upstream:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
