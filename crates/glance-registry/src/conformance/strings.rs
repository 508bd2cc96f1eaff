//! Exact string comparison: case, accents and trailing spaces count, as on
//! PostgreSQL, in filters and in what counts as the same key.

use super::{create, image, list_set, run_query, run_tag};
use crate::Registry;
use glance_types::{Filter, FilterValue, Image, Scope};

fn eq(v: &str) -> FilterValue {
    FilterValue::Eq(v.to_string())
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn ids(images: &[&Image]) -> Vec<String> {
    sorted(images.iter().map(|i| i.id.clone()).collect())
}

/// Tags, property names and member ids that differ only in case, accents or
/// trailing spaces are distinct keys; name, owner, tag and property filters
/// match exactly.
pub async fn exact_strings(reg: &dyn Registry) {
    let run = run_tag();
    let mut a = image(Some("Owner"), &run);
    a.name = Some("Alpha".into());
    a.tags.extend(["Web", "web", "web "].map(String::from));
    a.properties = [("Os", "A"), ("os", "a"), ("os ", "a ")]
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .into();
    let mut b = image(Some("owner"), &run);
    b.name = Some("alpha".into());
    b.tags.push("wéb".into());
    let mut c = image(Some("owner "), &run);
    c.name = Some("alpha ".into());
    for img in [&a, &b, &c] {
        create(reg, img).await;
    }

    let got = reg.get_image(&a.id).await.expect("get");
    assert_eq!(sorted(got.tags.clone()), sorted(a.tags.clone()));
    assert_eq!(got.properties, a.properties);

    let cases: Vec<(Filter, Vec<&Image>)> = vec![
        (Filter::Column("name", eq("alpha")), vec![&b]),
        (Filter::Column("name", eq("Alpha")), vec![&a]),
        (Filter::Column("name", eq("alpha ")), vec![&c]),
        (Filter::Column("name", eq("ALPHA")), vec![]),
        (Filter::Column("owner", eq("owner")), vec![&b]),
        (Filter::Tag("web".into()), vec![&a]),
        (Filter::Tag("WEB".into()), vec![]),
        (Filter::Tag("wéb".into()), vec![&b]),
        (Filter::Property("os".into(), eq("a")), vec![&a]),
        (Filter::Property("os".into(), eq("A")), vec![]),
        (Filter::Property("OS".into(), eq("a")), vec![]),
        (Filter::Property("os ".into(), eq("a ")), vec![&a]),
    ];
    for (filter, expected) in cases {
        let mut q = run_query(Scope::Admin(None), &run, 10);
        q.filters.push(filter.clone());
        assert_eq!(list_set(reg, &q).await, ids(&expected), "{filter:?}");
    }
    let q = run_query(Scope::Project(Some("owner".into())), &run, 10);
    assert_eq!(list_set(reg, &q).await, ids(&[&b]), "owner scope");

    assert!(reg.remove_tag(&a.id, "web").await.expect("remove"));
    let got = reg.get_image(&a.id).await.expect("get");
    assert_eq!(
        sorted(got.tags),
        sorted(vec![run.clone(), "Web".into(), "web ".into()])
    );

    for member in ["p1", "P1", "p1 "] {
        reg.create_member(&a.id, member)
            .await
            .expect("distinct member");
    }
    assert_eq!(reg.count_members(&a.id).await.expect("count"), 3);
    assert_eq!(reg.get_member(&a.id, "p1  ").await.expect("get"), None);
}
