//! Output in python-glanceclient's layout.
//!
//! Everything here reproduces, byte for byte, what python-glanceclient 4.13.0 prints with the
//! libraries it runs on (prettytable 3.18, wcwidth 0.9, Python 3.11's `argparse` and `textwrap`,
//! PyYAML 6 for `-f yaml`):
//!
//! - [`table`]: prettytable boxes (`print_list`, `print_dict`);
//! - [`value`]: Python's `str()`/`repr()` and `json.dumps()` of JSON values, human sizes;
//! - [`progress`]: the `--progress` bar;
//! - [`format`]: `-f table|json|yaml|value` (an extension modelled on openstackclient);
//! - [`help`]: argparse's help layout with glanceclient's capitalised headings.
//!
//! Functions return the text without a trailing newline unless their documentation says
//! otherwise, so callers print them with `println!`.

pub(crate) mod format;
pub(crate) mod help;
pub(crate) mod pprint;
pub(crate) mod progress;
pub(crate) mod table;
pub(crate) mod text;
pub(crate) mod value;
pub(crate) mod yaml;
