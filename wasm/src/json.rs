//! Core values to JSON text, with a small serde serializer of our own:
//! - for the JavaScript API, compact JSON with object keys turned into camelCase while they are
//!   written (`not_before_unix` → `notBeforeUnix`), then `JSON.parse`;
//! - for the `*Json` functions, the JSON the Rust CLI prints: `serde_json::to_string_pretty`'s
//!   format exactly (two-space indent, `": "`, serde_json's string escapes), keys as the core
//!   writes them.
//!
//! Why not serde_json: its serializer and formatter machinery (and, in no_std, a formatter
//! trait that cannot be implemented outside it) were several kilobytes of the package; this
//! one writes the few shapes the core's types have. Key order, values and enum strings
//! (`"case_folded"`, `"x5t#S256"`) are exactly what the core serialises; only keys change.
//! The byte-for-byte CLI parity tests (tests/cli.test.mjs) compare it with serde_json's output.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use serde::ser::{self, Serialize};
use wasm_bindgen::JsValue;

use crate::errors;

/// `value` as a JavaScript object with camelCase keys.
pub(crate) fn to_js(value: &impl Serialize) -> Result<JsValue, JsValue> {
    let text = write(value, false, true)?;
    js_sys::JSON::parse(&text)
}

/// `value` as the JSON text the Rust CLI prints (snake_case keys, pretty, two-space indent).
pub(crate) fn to_cli_json(value: &impl Serialize) -> Result<String, JsValue> {
    write(value, true, false)
}

fn write(value: &impl Serialize, pretty: bool, camel_case: bool) -> Result<String, JsValue> {
    let mut json = Json {
        out: String::with_capacity(1024),
        pretty,
        camel_case,
        depth: 0,
        first: Vec::new(),
    };
    value
        .serialize(&mut json)
        .map_err(|e| errors::internal(&e.0))?;
    Ok(json.out)
}

/// A value that cannot be written as JSON (a float, a non-string map key: no core type has one).
#[derive(Debug)]
pub(crate) struct Unsupported(String);

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl core::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self(msg.to_string())
    }
}

fn unsupported(what: &str) -> Unsupported {
    Unsupported(alloc::format!("{what} cannot be written as JSON"))
}

/// The writer: the text so far, and whether each open array or object is still empty.
struct Json {
    out: String,
    pretty: bool,
    camel_case: bool,
    depth: usize,
    first: Vec<bool>,
}

impl Json {
    fn open(&mut self, bracket: char) {
        self.out.push(bracket);
        self.depth += 1;
        self.first.push(true);
    }

    fn close(&mut self, bracket: char) {
        self.depth = self.depth.saturating_sub(1);
        let had_values = self.first.pop() == Some(false);
        if self.pretty && had_values {
            self.newline();
        }
        self.out.push(bracket);
    }

    fn newline(&mut self) {
        self.out.push('\n');
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    /// Before an array element or an object key.
    fn separate(&mut self) {
        if let Some(first) = self.first.last_mut()
            && !core::mem::replace(first, false)
        {
            self.out.push(',');
        }
        if self.pretty {
            self.newline();
        }
    }

    fn key(&mut self, key: &str) {
        self.separate();
        if self.camel_case && key.contains('_') {
            let mut camel = String::with_capacity(key.len());
            let mut upper = false;
            for c in key.chars() {
                if c == '_' {
                    upper = true;
                } else {
                    camel.push(if upper { c.to_ascii_uppercase() } else { c });
                    upper = false;
                }
            }
            self.string(&camel);
        } else {
            self.string(key);
        }
        self.out.push_str(if self.pretty { ": " } else { ":" });
    }

    /// A JSON string with serde_json's escapes: `"`, `\`, the five short control escapes, and
    /// `\u00xx` (lowercase hex) for the other control characters.
    fn string(&mut self, text: &str) {
        self.out.push('"');
        for c in text.chars() {
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                '\u{8}' => self.out.push_str("\\b"),
                '\t' => self.out.push_str("\\t"),
                '\n' => self.out.push_str("\\n"),
                '\u{c}' => self.out.push_str("\\f"),
                '\r' => self.out.push_str("\\r"),
                '\0'..='\u{1f}' => {
                    let code = u32::from(c);
                    self.out.push_str("\\u00");
                    for nibble in [code >> 4, code & 0xF] {
                        self.out.push(char::from_digit(nibble, 16).unwrap_or('0'));
                    }
                }
                _ => self.out.push(c),
            }
        }
        self.out.push('"');
    }

    fn number(&mut self, negative: bool, mut magnitude: u64) {
        if negative {
            self.out.push('-');
        }
        let mut digits = [0_u8; 20];
        let mut at = digits.len();
        loop {
            at -= 1;
            // A decimal digit: below 10.
            #[allow(clippy::cast_possible_truncation)]
            let digit = (magnitude % 10) as u8;
            if let Some(slot) = digits.get_mut(at) {
                *slot = b'0' + digit;
            }
            magnitude /= 10;
            if magnitude == 0 || at == 0 {
                break;
            }
        }
        for &d in digits.get(at..).unwrap_or_default() {
            self.out.push(char::from(d));
        }
    }
}

impl ser::Serializer for &mut Json {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn serialize_bool(self, v: bool) -> Result<(), Unsupported> {
        self.out.push_str(if v { "true" } else { "false" });
        Ok(())
    }

    fn serialize_i8(self, v: i8) -> Result<(), Unsupported> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_i16(self, v: i16) -> Result<(), Unsupported> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_i32(self, v: i32) -> Result<(), Unsupported> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_i64(self, v: i64) -> Result<(), Unsupported> {
        self.number(v < 0, v.unsigned_abs());
        Ok(())
    }

    fn serialize_u8(self, v: u8) -> Result<(), Unsupported> {
        self.serialize_u64(u64::from(v))
    }

    fn serialize_u16(self, v: u16) -> Result<(), Unsupported> {
        self.serialize_u64(u64::from(v))
    }

    fn serialize_u32(self, v: u32) -> Result<(), Unsupported> {
        self.serialize_u64(u64::from(v))
    }

    fn serialize_u64(self, v: u64) -> Result<(), Unsupported> {
        self.number(false, v);
        Ok(())
    }

    fn serialize_f32(self, _: f32) -> Result<(), Unsupported> {
        Err(unsupported("a float"))
    }

    fn serialize_f64(self, _: f64) -> Result<(), Unsupported> {
        Err(unsupported("a float"))
    }

    fn serialize_char(self, v: char) -> Result<(), Unsupported> {
        self.string(v.encode_utf8(&mut [0; 4]));
        Ok(())
    }

    fn serialize_str(self, v: &str) -> Result<(), Unsupported> {
        self.string(v);
        Ok(())
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<(), Unsupported> {
        use ser::SerializeSeq;
        let mut seq = self.serialize_seq(Some(v.len()))?;
        for b in v {
            seq.serialize_element(b)?;
        }
        SerializeSeq::end(seq)
    }

    fn serialize_none(self) -> Result<(), Unsupported> {
        self.serialize_unit()
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), Unsupported> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Unsupported> {
        self.out.push_str("null");
        Ok(())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Unsupported> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Unsupported> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        self.open('{');
        self.key(variant);
        value.serialize(&mut *self)?;
        self.close('}');
        Ok(())
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self, Unsupported> {
        self.open('[');
        Ok(self)
    }

    fn serialize_tuple(self, len: usize) -> Result<Self, Unsupported> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Self, Unsupported> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self, Unsupported> {
        self.open('{');
        self.key(variant);
        self.open('[');
        Ok(self)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self, Unsupported> {
        self.open('{');
        Ok(self)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Unsupported> {
        self.serialize_map(None)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self, Unsupported> {
        self.open('{');
        self.key(variant);
        self.open('{');
        Ok(self)
    }
}

impl ser::SerializeSeq for &mut Json {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.separate();
        value.serialize(&mut **self)
    }

    fn end(self) -> Result<(), Unsupported> {
        self.close(']');
        Ok(())
    }
}

impl ser::SerializeTuple for &mut Json {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Unsupported> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<(), Unsupported> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for &mut Json {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Unsupported> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<(), Unsupported> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleVariant for &mut Json {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Unsupported> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<(), Unsupported> {
        self.close(']');
        self.close('}');
        Ok(())
    }
}

impl ser::SerializeMap for &mut Json {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), Unsupported> {
        let key = key.serialize(KeyText)?;
        self.key(&key);
        Ok(())
    }

    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Unsupported> {
        value.serialize(&mut **self)
    }

    fn end(self) -> Result<(), Unsupported> {
        self.close('}');
        Ok(())
    }
}

impl ser::SerializeStruct for &mut Json {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        self.key(key);
        value.serialize(&mut **self)
    }

    fn end(self) -> Result<(), Unsupported> {
        self.close('}');
        Ok(())
    }
}

impl ser::SerializeStructVariant for &mut Json {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        ser::SerializeStruct::serialize_field(self, key, value)
    }

    fn end(self) -> Result<(), Unsupported> {
        self.close('}');
        self.close('}');
        Ok(())
    }
}

/// A map key as text: strings only (the core's maps are keyed by names).
struct KeyText;

impl ser::Serializer for KeyText {
    type Ok = String;
    type Error = Unsupported;
    type SerializeSeq = ser::Impossible<String, Unsupported>;
    type SerializeTuple = ser::Impossible<String, Unsupported>;
    type SerializeTupleStruct = ser::Impossible<String, Unsupported>;
    type SerializeTupleVariant = ser::Impossible<String, Unsupported>;
    type SerializeMap = ser::Impossible<String, Unsupported>;
    type SerializeStruct = ser::Impossible<String, Unsupported>;
    type SerializeStructVariant = ser::Impossible<String, Unsupported>;

    fn serialize_str(self, v: &str) -> Result<String, Unsupported> {
        Ok(String::from(v))
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<String, Unsupported> {
        Ok(String::from(variant))
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<String, Unsupported> {
        value.serialize(self)
    }

    fn serialize_bool(self, _: bool) -> Result<String, Unsupported> {
        Err(unsupported("a boolean map key"))
    }
    fn serialize_i8(self, _: i8) -> Result<String, Unsupported> {
        Err(unsupported("a number map key"))
    }
    fn serialize_i16(self, _: i16) -> Result<String, Unsupported> {
        Err(unsupported("a number map key"))
    }
    fn serialize_i32(self, _: i32) -> Result<String, Unsupported> {
        Err(unsupported("a number map key"))
    }
    fn serialize_i64(self, _: i64) -> Result<String, Unsupported> {
        Err(unsupported("a number map key"))
    }
    fn serialize_u8(self, _: u8) -> Result<String, Unsupported> {
        Err(unsupported("a number map key"))
    }
    fn serialize_u16(self, _: u16) -> Result<String, Unsupported> {
        Err(unsupported("a number map key"))
    }
    fn serialize_u32(self, _: u32) -> Result<String, Unsupported> {
        Err(unsupported("a number map key"))
    }
    fn serialize_u64(self, _: u64) -> Result<String, Unsupported> {
        Err(unsupported("a number map key"))
    }
    fn serialize_f32(self, _: f32) -> Result<String, Unsupported> {
        Err(unsupported("a float"))
    }
    fn serialize_f64(self, _: f64) -> Result<String, Unsupported> {
        Err(unsupported("a float"))
    }
    fn serialize_char(self, v: char) -> Result<String, Unsupported> {
        Ok(v.to_string())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<String, Unsupported> {
        Err(unsupported("a bytes map key"))
    }
    fn serialize_none(self) -> Result<String, Unsupported> {
        Err(unsupported("a null map key"))
    }
    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<String, Unsupported> {
        Err(unsupported("an optional map key"))
    }
    fn serialize_unit(self) -> Result<String, Unsupported> {
        Err(unsupported("a null map key"))
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<String, Unsupported> {
        Err(unsupported("a null map key"))
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String, Unsupported> {
        Err(unsupported("an enum map key"))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Unsupported> {
        Err(unsupported("an array map key"))
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Unsupported> {
        Err(unsupported("an array map key"))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Unsupported> {
        Err(unsupported("an array map key"))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Unsupported> {
        Err(unsupported("an array map key"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Unsupported> {
        Err(unsupported("an object map key"))
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, Unsupported> {
        Err(unsupported("an object map key"))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Unsupported> {
        Err(unsupported("an object map key"))
    }
}
