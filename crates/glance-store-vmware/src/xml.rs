//! Reading vSphere SOAP answers (a DOM from `roxmltree`; elements are
//! matched by local name, so any namespace prefix works) and escaping the
//! values put into requests.

use roxmltree::{Document, Node};

/// The XML Schema instance namespace (`xsi:type`).
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// A managed object reference: `<x type="Datacenter">datacenter-2</x>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MoRef {
    /// The managed object type (`Datacenter`, `Task`, ...).
    pub(crate) kind: String,
    /// The server's id for it.
    pub(crate) value: String,
}

impl MoRef {
    /// The reference as the element `<urn:{name} type="...">...</urn:{name}>`.
    pub(crate) fn element(&self, name: &str) -> String {
        format!(
            r#"<urn:{name} type="{}">{}</urn:{name}>"#,
            escape(&self.kind),
            escape(&self.value)
        )
    }

    /// Reads a reference element.
    pub(crate) fn from_node(node: Node<'_, '_>) -> Option<MoRef> {
        Some(MoRef {
            kind: node.attribute("type")?.to_owned(),
            value: node.text().unwrap_or_default().trim().to_owned(),
        })
    }
}

/// A SOAP fault, or the fault of a failed task: the fault type
/// (`InvalidLogin`, `NotAuthenticated`, `FileNotFound`, ...) and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fault {
    /// The fault type.
    pub(crate) kind: String,
    /// What the server said about it.
    pub(crate) message: String,
}

/// The first child element of `node` named `name`.
pub(crate) fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    children(node, name).next()
}

/// The child elements of `node` named `name`.
pub(crate) fn children<'a, 'i>(
    node: Node<'a, 'i>,
    name: &str,
) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children()
        .filter(move |n| n.is_element() && n.tag_name().name() == name)
}

/// The text of the child element `name` of `node`.
pub(crate) fn child_text(node: Node<'_, '_>, name: &str) -> Option<String> {
    child(node, name).map(|n| n.text().unwrap_or_default().trim().to_owned())
}

/// The `xsi:type` of an element.
pub(crate) fn xsi_type<'a>(node: Node<'a, '_>) -> Option<&'a str> {
    node.attribute((XSI, "type"))
}

/// The element inside `<Body>` (the method's response or a `<Fault>`).
pub(crate) fn body<'a, 'i>(doc: &'a Document<'i>) -> Option<Node<'a, 'i>> {
    let body = child(doc.root_element(), "Body")?;
    body.children().find(Node::is_element)
}

/// The fault in a SOAP `<Fault>` element: its type comes from the first
/// element of `<detail>` (its `xsi:type`, else its name without the
/// `Fault` suffix), its message from `<faultstring>`.
pub(crate) fn soap_fault(fault: Node<'_, '_>) -> Fault {
    let detail = child(fault, "detail").and_then(|d| d.children().find(Node::is_element));
    let kind = detail
        .and_then(|d| {
            xsi_type(d).map(str::to_owned).or_else(|| {
                let name = d.tag_name().name();
                Some(name.strip_suffix("Fault").unwrap_or(name).to_owned())
            })
        })
        .unwrap_or_else(|| "ServerFault".to_owned());
    let message = child_text(fault, "faultstring").unwrap_or_default();
    Fault { kind, message }
}

/// The fault in a `LocalizedMethodFault` (a task's `info.error`).
pub(crate) fn method_fault(node: Node<'_, '_>) -> Fault {
    let kind = child(node, "fault")
        .and_then(xsi_type)
        .unwrap_or("MethodFault")
        .to_owned();
    let message = child_text(node, "localizedMessage").unwrap_or_default();
    Fault { kind, message }
}

/// `text` with the five XML special characters escaped.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// vcsim's answer to a Login with bad credentials.
    const LOGIN_FAULT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>Login failure</faultstring><detail><InvalidLoginFault xmlns="urn:vim25" xsi:type="InvalidLogin"></InvalidLoginFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#;

    #[test]
    fn soap_faults_are_typed() {
        let doc = Document::parse(LOGIN_FAULT).unwrap();
        let fault = body(&doc).unwrap();
        assert_eq!(fault.tag_name().name(), "Fault");
        assert_eq!(
            soap_fault(fault),
            Fault {
                kind: "InvalidLogin".into(),
                message: "Login failure".into()
            }
        );
        let untyped = Document::parse(
            "<e:Envelope xmlns:e='x'><e:Body><e:Fault><faultstring>s</faultstring>\
             <detail><NotAuthenticatedFault/></detail></e:Fault></e:Body></e:Envelope>",
        )
        .unwrap();
        assert_eq!(soap_fault(body(&untyped).unwrap()).kind, "NotAuthenticated");
    }

    #[test]
    fn task_faults_read_any_xsi_prefix() {
        let doc = Document::parse(
            r#"<val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="LocalizedMethodFault"><fault XMLSchema-instance:type="FileNotFound"><file>/x</file></fault><localizedMessage>*types.FileNotFound</localizedMessage></val>"#,
        )
        .unwrap();
        let fault = method_fault(doc.root_element());
        assert_eq!(fault.kind, "FileNotFound");
        assert_eq!(fault.message, "*types.FileNotFound");
    }

    #[test]
    fn references_round_trip_escaped() {
        let moref = MoRef {
            kind: "Datastore".into(),
            value: "/tmp/a&b<c>@folder-5".into(),
        };
        let xml = moref.element("obj");
        assert_eq!(
            xml,
            r#"<urn:obj type="Datastore">/tmp/a&amp;b&lt;c&gt;@folder-5</urn:obj>"#
        );
        let plain = xml.replace("urn:", "");
        let doc = Document::parse(&plain).unwrap();
        assert_eq!(MoRef::from_node(doc.root_element()), Some(moref));
        assert_eq!(escape(r#"'"'"#), "&apos;&quot;&apos;");
    }
}
