//! The vSphere API methods the driver calls: `FindByInventoryPath`,
//! `RetrievePropertiesEx` (and its continuation), `DeleteDatastoreFile_Task`,
//! and polling a task until it ends.

use crate::soap::{Soap, SoapError};
use crate::xml::{self, Fault, MoRef, escape};
use roxmltree::{Document, Node};
use std::time::Duration;

/// One property value, by its `xsi:type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    /// A list of references (`ArrayOfManagedObjectReference`).
    Refs(Vec<MoRef>),
    /// A fault (`LocalizedMethodFault`, e.g. a task's `info.error`).
    Fault(Fault),
    /// Any other value, as text (strings, numbers, enums).
    Text(String),
}

/// The properties retrieved for one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ObjectContent {
    /// The object.
    pub(crate) obj: MoRef,
    /// Property path and value, for the properties that are set.
    pub(crate) props: Vec<(String, Value)>,
}

impl ObjectContent {
    /// The value of property `path`.
    pub(crate) fn get(&self, path: &str) -> Option<&Value> {
        self.props.iter().find(|(p, _)| p == path).map(|(_, v)| v)
    }

    /// The text value of property `path`.
    pub(crate) fn text(&self, path: &str) -> Option<&str> {
        match self.get(path)? {
            Value::Text(text) => Some(text),
            _ => None,
        }
    }
}

impl Soap {
    /// The object at an inventory path (`DC0`, `folder/dc1`), if any.
    pub(crate) async fn find_by_inventory_path(
        &self,
        path: &str,
    ) -> Result<Option<MoRef>, SoapError> {
        let request = format!(
            "<urn:FindByInventoryPath>{}<urn:inventoryPath>{}</urn:inventoryPath></urn:FindByInventoryPath>",
            self.content().search_index.element("_this"),
            escape(path)
        );
        let answer = self.call(&request).await?;
        let doc = parse(&answer)?;
        Ok(xml::body(&doc)
            .and_then(|response| xml::child(response, "returnval"))
            .and_then(MoRef::from_node))
    }

    /// The properties `paths` of `objects`, all of type `kind`.
    pub(crate) async fn retrieve(
        &self,
        kind: &str,
        objects: &[MoRef],
        paths: &[&str],
    ) -> Result<Vec<ObjectContent>, SoapError> {
        let collector = self.content().property_collector.element("_this");
        let paths: String = paths
            .iter()
            .map(|p| format!("<urn:pathSet>{}</urn:pathSet>", escape(p)))
            .collect();
        let objects: String = objects
            .iter()
            .map(|o| format!("<urn:objectSet>{}</urn:objectSet>", o.element("obj")))
            .collect();
        let request = format!(
            "<urn:RetrievePropertiesEx>{collector}<urn:specSet><urn:propSet><urn:type>{}</urn:type>\
             {paths}</urn:propSet>{objects}</urn:specSet><urn:options/></urn:RetrievePropertiesEx>",
            escape(kind)
        );
        let mut found = Vec::new();
        let mut token = read_objects(&self.call(&request).await?, &mut found)?;
        while let Some(next) = token {
            let request = format!(
                "<urn:ContinueRetrievePropertiesEx>{collector}<urn:token>{}</urn:token></urn:ContinueRetrievePropertiesEx>",
                escape(&next)
            );
            token = read_objects(&self.call(&request).await?, &mut found)?;
        }
        Ok(found)
    }

    /// Starts `FileManager.DeleteDatastoreFile_Task` for the datastore path
    /// `name` (`[ds] dir/file`) and returns the task.
    pub(crate) async fn delete_datastore_file(
        &self,
        name: &str,
        datacenter: Option<&MoRef>,
    ) -> Result<MoRef, SoapError> {
        let request = format!(
            "<urn:DeleteDatastoreFile_Task>{}<urn:name>{}</urn:name>{}</urn:DeleteDatastoreFile_Task>",
            self.content().file_manager.element("_this"),
            escape(name),
            datacenter
                .map(|dc| dc.element("datacenter"))
                .unwrap_or_default()
        );
        let answer = self.call(&request).await?;
        let doc = parse(&answer)?;
        xml::body(&doc)
            .and_then(|response| xml::child(response, "returnval"))
            .and_then(MoRef::from_node)
            .ok_or_else(|| SoapError::Protocol("DeleteDatastoreFile_Task returned no task".into()))
    }

    /// Polls `task`'s `info.state` every `interval` (first at once) until it
    /// is `success`, or `error` (its fault comes back as [`SoapError::Fault`]).
    pub(crate) async fn wait_for_task(
        &self,
        task: &MoRef,
        interval: Duration,
    ) -> Result<(), SoapError> {
        loop {
            let info = self
                .retrieve(
                    "Task",
                    std::slice::from_ref(task),
                    &["info.state", "info.error"],
                )
                .await?;
            let info = info
                .first()
                .ok_or_else(|| SoapError::Protocol(format!("task {} vanished", task.value)))?;
            match info.text("info.state") {
                Some("success") => return Ok(()),
                Some("error") => {
                    return Err(SoapError::Fault(match info.get("info.error") {
                        Some(Value::Fault(fault)) => fault.clone(),
                        _ => Fault {
                            kind: "MethodFault".into(),
                            message: format!("task {} failed", task.value),
                        },
                    }));
                }
                Some("queued" | "running") => tokio::time::sleep(interval).await,
                other => {
                    return Err(SoapError::Protocol(format!(
                        "task {} is in state {other:?}",
                        task.value
                    )));
                }
            }
        }
    }
}

/// Parses an answer.
fn parse(text: &str) -> Result<Document<'_>, SoapError> {
    Document::parse(text).map_err(|e| SoapError::Protocol(format!("malformed answer: {e}")))
}

/// Adds the objects of a `RetrievePropertiesEx` (or continuation) answer to
/// `found`; returns the token for more, if any.
fn read_objects(text: &str, found: &mut Vec<ObjectContent>) -> Result<Option<String>, SoapError> {
    let doc = parse(text)?;
    let Some(result) = xml::body(&doc).and_then(|response| xml::child(response, "returnval"))
    else {
        return Ok(None);
    };
    for object in xml::children(result, "objects") {
        let Some(obj) = xml::child(object, "obj").and_then(MoRef::from_node) else {
            continue;
        };
        let props = xml::children(object, "propSet")
            .filter_map(|prop| {
                Some((
                    xml::child_text(prop, "name")?,
                    value(xml::child(prop, "val")?),
                ))
            })
            .collect();
        found.push(ObjectContent { obj, props });
    }
    Ok(xml::child_text(result, "token"))
}

/// A property `<val>`, by its `xsi:type`.
fn value(val: Node<'_, '_>) -> Value {
    match xml::xsi_type(val) {
        Some("ArrayOfManagedObjectReference") => Value::Refs(
            xml::children(val, "ManagedObjectReference")
                .filter_map(MoRef::from_node)
                .collect(),
        ),
        Some("LocalizedMethodFault") => Value::Fault(xml::method_fault(val)),
        _ => Value::Text(val.text().unwrap_or_default().trim().to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn property_answers_parse_by_type() {
        let answer = r#"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><token>more</token><objects><obj type="Datacenter">datacenter-2</obj><propSet><name>datastore</name><val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="ArrayOfManagedObjectReference"><ManagedObjectReference type="Datastore">ds-1</ManagedObjectReference><ManagedObjectReference type="Datastore">ds-2</ManagedObjectReference></val></propSet></objects><objects><obj type="Datastore">ds-1</obj><propSet><name>summary.freeSpace</name><val xsi:type="xsd:long">256079310848</val></propSet><propSet><name>info.error</name><val xsi:type="LocalizedMethodFault"><fault xsi:type="FileNotFound"/><localizedMessage>gone</localizedMessage></val></propSet></objects></returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>"#;
        let mut found = Vec::new();
        assert_eq!(
            read_objects(answer, &mut found).unwrap().as_deref(),
            Some("more")
        );
        let ds = |v: &str| MoRef {
            kind: "Datastore".into(),
            value: v.into(),
        };
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].obj.value, "datacenter-2");
        assert_eq!(
            found[0].get("datastore"),
            Some(&Value::Refs(vec![ds("ds-1"), ds("ds-2")]))
        );
        assert_eq!(found[1].text("summary.freeSpace"), Some("256079310848"));
        assert_eq!(
            found[1].get("info.error"),
            Some(&Value::Fault(Fault {
                kind: "FileNotFound".into(),
                message: "gone".into()
            }))
        );
        let empty = r#"<e:Envelope xmlns:e="x"><e:Body><RetrievePropertiesExResponse/></e:Body></e:Envelope>"#;
        assert_eq!(read_objects(empty, &mut found).unwrap(), None);
        assert_eq!(found.len(), 2);
    }
}
