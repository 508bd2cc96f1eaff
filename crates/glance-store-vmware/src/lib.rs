//! The `vmware` store driver: image data as files on a vSphere datastore,
//! through a vCenter Server or an ESXi host (deprecated upstream in 2023.2,
//! kept here).
//!
//! [`VmwareStore`] keeps each image as `<vmware_store_image_dir>/<image_id>`
//! on one of the `vmware_datastores` and records it as
//! `vsphere://<host>/folder/<image_dir>/<image_id>?dcPath=<dc>&dsName=<ds>`.
//! Data moves over the server's `/folder` HTTP interface (streamed `PUT`
//! and `GET`, ranges with `Range`); everything else goes through a small
//! hand-written SOAP client of the vSphere API (`RetrieveServiceContent`,
//! `Login`, `FindByInventoryPath`, `RetrievePropertiesEx`,
//! `DeleteDatastoreFile_Task`) that keeps the `vmware_soap_session` cookie
//! and logs in again when the server forgets the session.

mod config;
mod datastore;
mod download;
mod fetch;
mod greedy;
mod location;
mod soap;
mod store;
mod upload;
mod vim;
mod xml;

pub use store::VmwareStore;
