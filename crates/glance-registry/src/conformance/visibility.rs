//! Visibility scoping of lists: admin, owner, other projects, members, no project.

use super::{create, image, list_set, run_query, run_tag, share};
use crate::Registry;
use glance_types::{Image, MemberStatus, MemberStatusFilter, Scope, Visibility, VisibilityFilter};

/// The images of the visibility scenarios; `o1` is the project under test.
struct World {
    run: String,
    pub_o1: Image,
    priv_o1: Image,
    shared_o1: Image,
    comm_o1: Image,
    pub_o2: Image,
    priv_o2: Image,
    comm_o2: Image,
    /// Shared by o2, o1 accepted.
    shared_acc: Image,
    /// Shared by o2, o1 pending.
    shared_pend: Image,
    /// Shared by o2, o1 rejected.
    shared_rej: Image,
    /// Shared by o2, o1 not a member.
    shared_none: Image,
    /// Private to o2 although o1 has an accepted membership.
    priv_member: Image,
    /// Private without an owner: visible to everyone.
    no_owner: Image,
}

async fn world(reg: &dyn Registry) -> World {
    let run = run_tag();
    let make = |owner: Option<&str>, v: Visibility| {
        let mut img = image(owner, &run);
        img.visibility = v;
        img
    };
    use Visibility::*;
    let w = World {
        pub_o1: make(Some("o1"), Public),
        priv_o1: make(Some("o1"), Private),
        shared_o1: make(Some("o1"), Shared),
        comm_o1: make(Some("o1"), Community),
        pub_o2: make(Some("o2"), Public),
        priv_o2: make(Some("o2"), Private),
        comm_o2: make(Some("o2"), Community),
        shared_acc: make(Some("o2"), Shared),
        shared_pend: make(Some("o2"), Shared),
        shared_rej: make(Some("o2"), Shared),
        shared_none: make(Some("o2"), Shared),
        priv_member: make(Some("o2"), Private),
        no_owner: make(None, Private),
        run: run.clone(),
    };
    for img in w.all() {
        create(reg, img).await;
    }
    for (img, status) in [
        (&w.shared_acc, MemberStatus::Accepted),
        (&w.shared_pend, MemberStatus::Pending),
        (&w.shared_rej, MemberStatus::Rejected),
        (&w.priv_member, MemberStatus::Accepted),
        (&w.shared_none, MemberStatus::Accepted),
    ] {
        let member = if img.id == w.shared_none.id {
            "o3"
        } else {
            "o1"
        };
        share(reg, &img.id, member, status).await;
    }
    w
}

impl World {
    fn all(&self) -> Vec<&Image> {
        vec![
            &self.pub_o1,
            &self.priv_o1,
            &self.shared_o1,
            &self.comm_o1,
            &self.pub_o2,
            &self.priv_o2,
            &self.comm_o2,
            &self.shared_acc,
            &self.shared_pend,
            &self.shared_rej,
            &self.shared_none,
            &self.priv_member,
            &self.no_owner,
        ]
    }

    /// Asserts what `scope` lists with the given visibility and member status.
    async fn expect(
        &self,
        reg: &dyn Registry,
        scope: Scope,
        visibility: Option<VisibilityFilter>,
        member_status: MemberStatusFilter,
        expected: &[&Image],
    ) {
        let mut q = run_query(scope.clone(), &self.run, 100);
        q.visibility = visibility;
        q.member_status = member_status;
        let names: Vec<&str> = self
            .all()
            .into_iter()
            .zip(NAMES)
            .filter(|(img, _)| expected.iter().any(|e| e.id == img.id))
            .map(|(_, n)| n)
            .collect();
        assert_eq!(
            list_set(reg, &q).await,
            super::id_set(expected),
            "{scope:?} visibility={visibility:?} member_status={member_status:?} should list {names:?}"
        );
    }
}

/// Field names of [`World::all`], for failure messages.
const NAMES: [&str; 13] = [
    "pub_o1",
    "priv_o1",
    "shared_o1",
    "comm_o1",
    "pub_o2",
    "priv_o2",
    "comm_o2",
    "shared_acc",
    "shared_pend",
    "shared_rej",
    "shared_none",
    "priv_member",
    "no_owner",
];

use MemberStatusFilter::{Accepted, All as AnyStatus, Pending, Rejected};
use VisibilityFilter::{All, Only};

/// Admins list every image but other projects' community images by default;
/// `visibility=all` lists everything and `visibility=X` every image of X.
pub async fn visibility_admin(reg: &dyn Registry) {
    let w = world(reg).await;
    let all = w.all();
    // The default list leaves out other projects' community images.
    let without_community = |owner: Option<&String>| -> Vec<&Image> {
        all.iter()
            .copied()
            .filter(|i| i.visibility != Visibility::Community || i.owner.as_ref() == owner)
            .collect()
    };
    w.expect(
        reg,
        Scope::Admin(None),
        None,
        Accepted,
        &without_community(None),
    )
    .await;
    w.expect(
        reg,
        Scope::Admin(None),
        None,
        Pending,
        &without_community(None),
    )
    .await;
    let o1 = w.comm_o1.owner.clone();
    let mine = without_community(o1.as_ref());
    w.expect(reg, Scope::Admin(o1.clone()), None, Accepted, &mine)
        .await;
    w.expect(reg, Scope::Admin(None), Some(All), Accepted, &all)
        .await;
    w.expect(reg, Scope::Admin(o1), Some(All), Accepted, &all)
        .await;
    let of = |v: Visibility| -> Vec<&Image> {
        all.iter().copied().filter(|i| i.visibility == v).collect()
    };
    for v in Visibility::ALL {
        w.expect(reg, Scope::Admin(None), Some(Only(v)), Accepted, &of(v))
            .await;
    }
}

/// A project lists public, own (any visibility), owner-less and accepted
/// shared images; community images of others only when asked.
pub async fn visibility_project(reg: &dyn Registry) {
    let w = world(reg).await;
    let o1 = || Scope::Project(Some("o1".into()));
    let default = [
        &w.pub_o1,
        &w.priv_o1,
        &w.shared_o1,
        &w.comm_o1,
        &w.pub_o2,
        &w.shared_acc,
        &w.no_owner,
    ];
    w.expect(reg, o1(), None, Accepted, &default).await;
    let mut with_community = default.to_vec();
    with_community.push(&w.comm_o2);
    w.expect(reg, o1(), Some(All), Accepted, &with_community)
        .await;
    w.expect(
        reg,
        o1(),
        Some(Only(Visibility::Public)),
        Accepted,
        &[&w.pub_o1, &w.pub_o2],
    )
    .await;
    w.expect(
        reg,
        o1(),
        Some(Only(Visibility::Private)),
        Accepted,
        &[&w.priv_o1, &w.no_owner],
    )
    .await;
    w.expect(
        reg,
        o1(),
        Some(Only(Visibility::Community)),
        Accepted,
        &[&w.comm_o1, &w.comm_o2],
    )
    .await;
    w.expect(
        reg,
        o1(),
        Some(Only(Visibility::Shared)),
        Accepted,
        &[&w.shared_o1, &w.shared_acc],
    )
    .await;

    // Another project sees o1's public image but none of its private ones.
    let o2 = Scope::Project(Some("o2".into()));
    let o2_default = [
        &w.pub_o1,
        &w.pub_o2,
        &w.priv_o2,
        &w.comm_o2,
        &w.shared_acc,
        &w.shared_pend,
        &w.shared_rej,
        &w.shared_none,
        &w.priv_member,
        &w.no_owner,
    ];
    w.expect(reg, o2, None, Accepted, &o2_default).await;
    let stranger = || Scope::Project(Some("o4".into()));
    w.expect(
        reg,
        stranger(),
        None,
        Accepted,
        &[&w.pub_o1, &w.pub_o2, &w.no_owner],
    )
    .await;
    w.expect(
        reg,
        stranger(),
        Some(All),
        AnyStatus,
        &[&w.pub_o1, &w.pub_o2, &w.comm_o1, &w.comm_o2, &w.no_owner],
    )
    .await;
}

/// Shared images of others list for members per `member_status`; private
/// images never list for members.
pub async fn visibility_member_status(reg: &dyn Registry) {
    let w = world(reg).await;
    let o1 = || Scope::Project(Some("o1".into()));
    let own = [
        &w.pub_o1,
        &w.priv_o1,
        &w.shared_o1,
        &w.comm_o1,
        &w.pub_o2,
        &w.no_owner,
    ];
    for (status, shared) in [
        (Accepted, vec![&w.shared_acc]),
        (Pending, vec![&w.shared_pend]),
        (Rejected, vec![&w.shared_rej]),
        (
            AnyStatus,
            vec![&w.shared_acc, &w.shared_pend, &w.shared_rej],
        ),
    ] {
        let mut expected = own.to_vec();
        expected.extend(shared.iter().copied());
        w.expect(reg, o1(), None, status, &expected).await;
        let mut only_shared = vec![&w.shared_o1];
        only_shared.extend(shared.iter().copied());
        w.expect(
            reg,
            o1(),
            Some(Only(Visibility::Shared)),
            status,
            &only_shared,
        )
        .await;
    }
    // o3 is an accepted member of shared_none only.
    let o3 = Scope::Project(Some("o3".into()));
    w.expect(
        reg,
        o3,
        None,
        Accepted,
        &[&w.pub_o1, &w.pub_o2, &w.shared_none, &w.no_owner],
    )
    .await;
}

/// Without a project: public, owner-less, and community images when asked.
pub async fn visibility_no_project(reg: &dyn Registry) {
    let w = world(reg).await;
    let none = || Scope::Project(None);
    w.expect(
        reg,
        none(),
        None,
        Accepted,
        &[&w.pub_o1, &w.pub_o2, &w.no_owner],
    )
    .await;
    w.expect(
        reg,
        none(),
        None,
        AnyStatus,
        &[&w.pub_o1, &w.pub_o2, &w.no_owner],
    )
    .await;
    w.expect(
        reg,
        none(),
        Some(Only(Visibility::Community)),
        Accepted,
        &[&w.comm_o1, &w.comm_o2],
    )
    .await;
    w.expect(reg, none(), Some(Only(Visibility::Shared)), AnyStatus, &[])
        .await;
    w.expect(
        reg,
        none(),
        Some(All),
        Accepted,
        &[&w.pub_o1, &w.pub_o2, &w.comm_o1, &w.comm_o2, &w.no_owner],
    )
    .await;
}
