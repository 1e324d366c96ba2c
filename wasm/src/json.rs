//! Core values to JavaScript objects: serde JSON from certbind-core with object keys turned
//! into camelCase while they are written (`not_before_unix` → `notBeforeUnix`), then
//! `JSON.parse`. Key order, values and enum strings (`"case_folded"`, `"x5t#S256"`) are exactly
//! what the core serialises; only keys change.

use std::io;

use serde_json::ser::{CompactFormatter, Formatter};
use wasm_bindgen::JsValue;

use crate::errors;

/// `value` as a JavaScript object with camelCase keys.
pub(crate) fn to_js(value: &impl serde::Serialize) -> Result<JsValue, JsValue> {
    let mut text = Vec::with_capacity(1024);
    let mut serializer =
        serde_json::Serializer::with_formatter(&mut text, CamelCaseKeys::default());
    value
        .serialize(&mut serializer)
        .map_err(|e| errors::internal(&e.to_string()))?;
    let text = String::from_utf8(text).map_err(|e| errors::internal(&e.to_string()))?;
    js_sys::JSON::parse(&text)
}

/// `value` as the JSON text the Rust CLI prints (snake_case keys, pretty, two-space indent).
pub(crate) fn to_cli_json(value: &impl serde::Serialize) -> Result<String, JsValue> {
    serde_json::to_string_pretty(value).map_err(|e| errors::internal(&e.to_string()))
}

/// A compact formatter that writes object keys in camelCase. The core's keys are snake_case
/// identifiers (and `x5t#S256`, which has no underscore and is left alone); no core type uses
/// data as an object key, so only field names pass through here.
#[derive(Debug, Default)]
struct CamelCaseKeys {
    in_key: bool,
    upper_next: bool,
}

impl Formatter for CamelCaseKeys {
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.in_key = true;
        self.upper_next = false;
        CompactFormatter.begin_object_key(w, first)
    }

    fn end_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.in_key = false;
        CompactFormatter.end_object_key(w)
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        if !self.in_key {
            return w.write_all(fragment.as_bytes());
        }
        let mut buf = [0_u8; 4];
        for c in fragment.chars() {
            if c == '_' {
                self.upper_next = true;
                continue;
            }
            let c = if self.upper_next {
                c.to_ascii_uppercase()
            } else {
                c
            };
            self.upper_next = false;
            w.write_all(c.encode_utf8(&mut buf).as_bytes())?;
        }
        Ok(())
    }
}
