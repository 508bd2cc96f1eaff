//! The configured datastores: found on the server at start, and chosen for
//! each new image as upstream does (highest weight first; within a weight,
//! the most free space; the next weight if even that is too small).

use crate::config::DatastoreSpec;
use crate::soap::{Soap, SoapError};
use crate::vim::Value;
use crate::xml::MoRef;
use glance_store::StoreError;

/// A datastore new images may go to.
#[derive(Debug, Clone)]
pub(crate) struct Datastore {
    /// What the configuration says.
    pub(crate) spec: DatastoreSpec,
    /// The datastore.
    pub(crate) moref: MoRef,
    /// Its datacenter.
    pub(crate) datacenter: MoRef,
}

/// Finds each configured datastore: the datacenter by inventory path, then
/// the datastore by name among the datacenter's datastores. One that does
/// not exist is [`StoreError::Config`].
pub(crate) async fn resolve(
    soap: &Soap,
    section: &str,
    specs: &[DatastoreSpec],
) -> Result<Vec<Datastore>, StoreError> {
    let mut found = Vec::with_capacity(specs.len());
    for spec in specs {
        let missing = |what: String| {
            StoreError::Config(format!("[{section}] vmware_datastores: {what} not found"))
        };
        let datacenter = soap
            .find_by_inventory_path(&spec.dc_path)
            .await
            .map_err(crate::store::soap_error)?
            .filter(|dc| dc.kind == "Datacenter")
            .ok_or_else(|| missing(format!("datacenter {:?}", spec.dc_path)))?;
        let moref = find_by_name(soap, &datacenter, &spec.name)
            .await
            .map_err(crate::store::soap_error)?
            .ok_or_else(|| {
                missing(format!(
                    "datastore {:?} in datacenter {:?}",
                    spec.name, spec.dc_path
                ))
            })?;
        found.push(Datastore {
            spec: spec.clone(),
            moref,
            datacenter,
        });
    }
    Ok(found)
}

/// The datastore of `datacenter` named `name`.
async fn find_by_name(
    soap: &Soap,
    datacenter: &MoRef,
    name: &str,
) -> Result<Option<MoRef>, SoapError> {
    let dc = soap
        .retrieve(
            "Datacenter",
            std::slice::from_ref(datacenter),
            &["datastore"],
        )
        .await?;
    let Some(Value::Refs(datastores)) = dc.first().and_then(|dc| dc.get("datastore")) else {
        return Ok(None);
    };
    if datastores.is_empty() {
        return Ok(None);
    }
    let names = soap.retrieve("Datastore", datastores, &["name"]).await?;
    Ok(names
        .into_iter()
        .find(|ds| ds.text("name") == Some(name))
        .map(|ds| ds.obj))
}

/// Chooses the datastore for an image of `size` bytes (0 when unknown),
/// with fresh free-space figures. None has room: [`StoreError::Full`].
pub(crate) async fn select<'a>(
    soap: &Soap,
    datastores: &'a [Datastore],
    size: u64,
) -> Result<&'a Datastore, StoreError> {
    let refs: Vec<MoRef> = datastores.iter().map(|ds| ds.moref.clone()).collect();
    let free = soap
        .retrieve("Datastore", &refs, &["summary.freeSpace"])
        .await
        .map_err(crate::store::soap_error)?;
    let candidates: Vec<(i64, u64)> = datastores
        .iter()
        .map(|ds| {
            let space = free
                .iter()
                .find(|object| object.obj == ds.moref)
                .and_then(|object| object.text("summary.freeSpace")?.parse().ok())
                .unwrap_or(0);
            (ds.spec.weight, space)
        })
        .collect();
    choose(&candidates, size)
        .map(|at| &datastores[at])
        .ok_or_else(|| {
            StoreError::Full(format!(
                "no configured datastore has {size} bytes free for the image"
            ))
        })
}

/// Upstream's choice among `(weight, free bytes)` candidates (in
/// configuration order): weights from highest down; within one, the
/// candidate with the most free space (the first on a tie; none with
/// nothing free); it is chosen if it holds `size` bytes, else the next
/// weight is tried.
fn choose(candidates: &[(i64, u64)], size: u64) -> Option<usize> {
    let mut weights: Vec<i64> = candidates.iter().map(|&(weight, _)| weight).collect();
    weights.sort_unstable_by(|a, b| b.cmp(a));
    weights.dedup();
    weights.into_iter().find_map(|weight| {
        let mut best: Option<(usize, u64)> = None;
        for (at, &(w, free)) in candidates.iter().enumerate() {
            if w == weight && free > best.map_or(0, |(_, most)| most) {
                best = Some((at, free));
            }
        }
        best.filter(|&(_, free)| free >= size).map(|(at, _)| at)
    })
}

#[cfg(test)]
mod tests {
    use super::choose;

    #[test]
    fn highest_weight_wins_when_it_has_room() {
        let candidates = [(0, 900), (10, 100), (5, 800)];
        assert_eq!(choose(&candidates, 0), Some(1));
        assert_eq!(choose(&candidates, 100), Some(1));
        assert_eq!(choose(&candidates, 101), Some(2));
        assert_eq!(choose(&candidates, 801), Some(0));
        assert_eq!(choose(&candidates, 901), None);
    }

    #[test]
    fn within_a_weight_the_most_free_space_wins() {
        let candidates = [(1, 300), (1, 700), (1, 700), (0, 5000)];
        assert_eq!(choose(&candidates, 10), Some(1));
        assert_eq!(choose(&candidates, 700), Some(1));
        assert_eq!(choose(&candidates, 701), Some(3));
    }

    #[test]
    fn full_datastores_are_never_chosen() {
        assert_eq!(choose(&[(3, 0), (0, 0)], 0), None);
        assert_eq!(choose(&[(3, 0), (0, 1)], 0), Some(1));
        assert_eq!(choose(&[], 0), None);
    }
}
