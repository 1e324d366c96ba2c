//! Reading JavaScript arguments: certificate input (`Uint8Array`, `ArrayBuffer` or `string`)
//! and option objects. Sizes are checked before anything is copied into wasm memory.

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use certbind_core::{Error, Limits};
use js_sys::{ArrayBuffer, JsString, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

use crate::errors;

/// The bytes of a certificate input. A string is taken as its UTF-8 bytes (PEM, base64, hex);
/// a `Uint8Array` (or Node `Buffer`) or `ArrayBuffer` as raw bytes (DER, PKCS#12, PEM file
/// contents).
pub(crate) fn input_bytes(input: &JsValue, what: &str) -> Result<Vec<u8>, JsValue> {
    let limit = Limits::DEFAULT.max_input_bytes;
    if let Some(text) = input.dyn_ref::<JsString>() {
        // Every UTF-16 code unit is at least one UTF-8 byte: a string longer than the limit in
        // code units is too large before it is copied.
        check_size(text.length() as usize, limit)?;
        let text = String::from(text);
        check_size(text.len(), limit)?;
        return Ok(text.into_bytes());
    }
    if let Some(bytes) = input.dyn_ref::<Uint8Array>() {
        check_size(bytes.length() as usize, limit)?;
        return Ok(bytes.to_vec());
    }
    if let Some(buffer) = input.dyn_ref::<ArrayBuffer>() {
        check_size(buffer.byte_length() as usize, limit)?;
        return Ok(Uint8Array::new(buffer).to_vec());
    }
    Err(errors::invalid_argument(&format!(
        "{what} must be a Uint8Array, an ArrayBuffer or a string, not {}",
        type_name(input)
    )))
}

fn check_size(size: usize, limit: usize) -> Result<(), JsValue> {
    if size > limit {
        return Err(errors::core(&Error::InputTooLarge { size, limit }));
    }
    Ok(())
}

/// A string argument (a pasted thumbprint, TOML text).
pub(crate) fn string(value: &JsValue, what: &str) -> Result<String, JsValue> {
    value.as_string().ok_or_else(|| {
        errors::invalid_argument(&format!(
            "{what} must be a string, not {}",
            type_name(value)
        ))
    })
}

/// `options[key]` when `options` is an object and the property is present (not `undefined`
/// or `null`).
pub(crate) fn property(options: Option<&JsValue>, key: &str) -> Result<Option<JsValue>, JsValue> {
    let Some(options) = options.filter(|o| !o.is_undefined() && !o.is_null()) else {
        return Ok(None);
    };
    if !options.is_object() {
        return Err(errors::invalid_argument(&format!(
            "options must be an object, not {}",
            type_name(options)
        )));
    }
    let value = Reflect::get(options, &JsValue::from_str(key))?;
    Ok((!value.is_undefined() && !value.is_null()).then_some(value))
}

/// `options[key]` as a string, when present.
pub(crate) fn string_property(
    options: Option<&JsValue>,
    key: &str,
) -> Result<Option<String>, JsValue> {
    property(options, key)?
        .map(|v| string(&v, &format!("options.{key}")))
        .transpose()
}

/// `typeof value`, with `null` and arrays named as such, for error messages.
pub(crate) fn type_name(value: &JsValue) -> String {
    if value.is_null() {
        return "null".to_owned();
    }
    if js_sys::Array::is_array(value) {
        return "an array".to_owned();
    }
    value.js_typeof().as_string().unwrap_or_default()
}
