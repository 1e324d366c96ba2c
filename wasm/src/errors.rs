//! Errors thrown to JavaScript: an `Error` whose `code` is the core error's stable name
//! ([`certbind_core::Error::code`]) and whose `message` is its `Display` text, plus the position
//! fields a program needs (see wasm/README.md, "Errors").

use alloc::format;
use alloc::string::ToString;

use certbind_core::Error;
use js_sys::Reflect;
use wasm_bindgen::JsValue;

/// `code` of a wrong argument type or shape (not a core error: the call itself is wrong).
const INVALID_ARGUMENT: &str = "InvalidArgument";
/// `code` of a failure inside the glue that no input should cause.
const INTERNAL: &str = "Internal";

/// A core error as a thrown JavaScript `Error`.
pub(crate) fn core(e: &Error) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    set(&err, "code", &e.code().into());
    match e {
        Error::InvalidBase64 { line, column, .. } => {
            if let Some(line) = line {
                set(&err, "line", &number(*line));
            }
            set(&err, "column", &number(*column));
        }
        Error::PemUnterminated { line, .. } | Error::PemLabelMismatch { line, .. } => {
            set(&err, "line", &number(*line));
        }
        Error::InvalidHex { offset, .. }
        | Error::InvalidPercentEncoding { offset }
        | Error::TrailingData { offset, .. } => {
            set(&err, "offset", &number(*offset));
        }
        Error::BadDer {
            offset: Some(offset),
            ..
        } => set(&err, "offset", &number(*offset)),
        Error::ThumbprintInvalidCharacter {
            character, index, ..
        } => {
            set(&err, "index", &number(*index));
            set(
                &err,
                "char",
                &JsValue::from_str(character.encode_utf8(&mut [0; 4])),
            );
        }
        Error::InvalidName { index, .. } => set(&err, "index", &number(*index)),
        Error::InvalidTrustAnchor { index, .. } => set(&err, "index", &number(*index)),
        Error::Registry { problems } => {
            if let Ok(problems) = crate::json::to_js(problems) {
                set(&err, "problems", &problems);
            }
        }
        _ => {}
    }
    err.into()
}

/// A `TypeError` with `code: "InvalidArgument"`: the caller passed the wrong kind of value.
pub(crate) fn invalid_argument(message: &str) -> JsValue {
    let err = js_sys::TypeError::new(message);
    set(&err, "code", &INVALID_ARGUMENT.into());
    err.into()
}

/// An `Error` with `code: "Internal"`: a bug in the glue (e.g. JSON that does not serialise).
pub(crate) fn internal(message: &str) -> JsValue {
    let err = js_sys::Error::new(&format!("certbind internal error: {message}"));
    set(&err, "code", &INTERNAL.into());
    err.into()
}

fn number(n: usize) -> JsValue {
    // Positions are bounded by the input limit (4 MiB), far below 2^53.
    JsValue::from_f64(n as f64)
}

fn set(target: &JsValue, key: &str, value: &JsValue) {
    // Setting a property on a fresh Error object cannot fail.
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}
