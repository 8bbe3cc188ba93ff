//! Reader for the known-answer vector files in `testdata/vectors/` (format in
//! that folder's README), and the tests that run them.

use std::collections::HashMap;

/// One test case: `name = value` lines.
pub(crate) struct Case {
    fields: HashMap<String, String>,
}

impl Case {
    pub(crate) fn str(&self, name: &str) -> &str {
        self.fields
            .get(name)
            .unwrap_or_else(|| panic!("case `{}` has no field `{name}`", self.name()))
    }

    pub(crate) fn opt(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    pub(crate) fn bytes(&self, name: &str) -> Vec<u8> {
        hex::decode(self.str(&format!("{name}_hex"))).expect("hex field")
    }

    pub(crate) fn text(&self, name: &str) -> String {
        String::from_utf8(self.bytes(name)).expect("UTF-8 text field")
    }

    pub(crate) fn name(&self) -> &str {
        self.fields.get("case").map_or("?", String::as_str)
    }
}

pub(crate) fn parse(text: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut fields = HashMap::new();
    for line in text.lines().chain(std::iter::once("")) {
        if line.starts_with('#') {
            continue;
        }
        if line.trim().is_empty() {
            if !fields.is_empty() {
                cases.push(Case {
                    fields: std::mem::take(&mut fields),
                });
            }
            continue;
        }
        let (name, value) = line
            .split_once(" = ")
            .unwrap_or_else(|| (line.trim_end_matches(" ="), ""));
        fields.insert(name.trim().to_owned(), value.to_owned());
    }
    cases
}
