//! The functions the npm package exports. Each reads its arguments, calls certbind-core and
//! converts the answer; no certificate logic lives here.

use alloc::string::String;
use alloc::vec::Vec;

use certbind_core::{DecodeOptions, Decoded, NormalizedThumbprint};
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;

use crate::{args, errors, json};

/// Decodes `input` with `options.password` (PKCS#12).
fn decode(input: &JsValue, options: Option<&JsValue>) -> Result<Decoded, JsValue> {
    let bytes = args::input_bytes(input, "input")?;
    let password = args::string_property(options, "password")?;
    let mut decode_options = DecodeOptions::default();
    decode_options.password = password.as_deref();
    certbind_core::decode(&bytes, &decode_options).map_err(|e| errors::core(&e))
}

/// Every certificate in `input` (PEM, DER, base64, hex, PKCS#7 or PKCS#12): the fields of the
/// CLI's `inspect --json` and the thumbprints, one object per certificate in input order.
///
/// # Errors
/// Throws an `Error` with the core's `code` when the input cannot be read.
#[wasm_bindgen(unchecked_return_type = "CertificateReport[]")]
pub fn inspect(
    #[wasm_bindgen(unchecked_param_type = "CertificateInput")] input: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "DecodeOptions")] options: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    json::to_js(&decode(&input, options.as_ref())?.inspect_reports())
}

/// Everything read from `input`: its format, every certificate (as [`inspect`] gives them), which
/// one the private key belongs to, and notes on what was skipped.
///
/// # Errors
/// Throws an `Error` with the core's `code` when the input cannot be read.
#[wasm_bindgen(js_name = readCertificates, unchecked_return_type = "InputReport")]
pub fn read_certificates(
    #[wasm_bindgen(unchecked_param_type = "CertificateInput")] input: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "DecodeOptions")] options: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    let decoded = decode(&input, options.as_ref())?;
    json::to_js(&InputReport {
        format: decoded.format,
        certificates: decoded.inspect_reports(),
        key_certificate: decoded.key_certificate,
        has_private_key: decoded.has_private_key,
        notes: &decoded.notes,
    })
}

/// The answer of [`read_certificates`].
#[derive(serde::Serialize)]
struct InputReport<'a> {
    format: certbind_core::InputFormat,
    certificates: Vec<certbind_core::InspectReport>,
    key_certificate: Option<usize>,
    has_private_key: bool,
    notes: &'a [String],
}

/// The thumbprints (`sha1`, `sha256`, `x5t`, `x5t#S256`, and the key hash `spkiSha256`) of
/// every certificate in `input`, in input order.
///
/// # Errors
/// Throws an `Error` with the core's `code` when the input cannot be read.
#[wasm_bindgen(unchecked_return_type = "ThumbprintReport[]")]
pub fn thumbprints(
    #[wasm_bindgen(unchecked_param_type = "CertificateInput")] input: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "DecodeOptions")] options: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    json::to_js(&decode(&input, options.as_ref())?.thumbprint_reports())
}

/// A thumbprint as typed or pasted, cleaned: `value`, `form`, `algorithm` and every character
/// removed or changed.
///
/// # Errors
/// Throws `ThumbprintEmpty`, `ThumbprintInvalidCharacter` (with `index` and `char`) or
/// `ThumbprintLength`.
#[wasm_bindgen(js_name = normalizeThumbprint, unchecked_return_type = "NormalizedThumbprint")]
pub fn normalize_thumbprint(
    #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
) -> Result<JsValue, JsValue> {
    json::to_js(&WithAlgorithm::from(normalize(&text)?))
}

fn normalize(text: &JsValue) -> Result<NormalizedThumbprint, JsValue> {
    let text = args::string(text, "the thumbprint")?;
    certbind_core::normalize_thumbprint(&text).map_err(|e| errors::core(&e))
}

/// [`NormalizedThumbprint`] with the digest algorithm of its form.
#[derive(serde::Serialize)]
struct WithAlgorithm {
    #[serde(flatten)]
    normalized: NormalizedThumbprint,
    algorithm: certbind_core::DigestAlgorithm,
}

impl From<NormalizedThumbprint> for WithAlgorithm {
    fn from(normalized: NormalizedThumbprint) -> Self {
        let algorithm = normalized.form.algorithm();
        Self {
            normalized,
            algorithm,
        }
    }
}

/// Does a pasted thumbprint (any form) belong to a certificate of `input`? Which certificate
/// and form matched, what was cleaned from the pasted value, and near misses.
///
/// # Errors
/// Throws the errors of [`normalize_thumbprint`] for `expected`, then those of [`inspect`].
#[wasm_bindgen(unchecked_return_type = "Comparison")]
pub fn compare(
    #[wasm_bindgen(unchecked_param_type = "CertificateInput")] input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] expected: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "DecodeOptions")] options: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    let expected = normalize(&expected)?;
    let bytes = args::input_bytes(&input, "input")?;
    let password = args::string_property(options.as_ref(), "password")?;
    let mut decode_options = DecodeOptions::default();
    decode_options.password = password.as_deref();
    let decoded = certbind_core::decode(&bytes, &decode_options).map_err(|e| errors::core(&e))?;
    json::to_js(&certbind_core::compare_decoded(&bytes, &decoded, expected))
}

/// The JSON text `certbind thumbprint --json` prints for `input` (snake_case keys, without the
/// `file` key the CLI adds). Used by `npx certbind`.
///
/// # Errors
/// As [`thumbprints`].
#[wasm_bindgen(js_name = thumbprintsJson)]
pub fn thumbprints_json(
    #[wasm_bindgen(unchecked_param_type = "CertificateInput")] input: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "DecodeOptions")] options: Option<JsValue>,
) -> Result<String, JsValue> {
    json::to_cli_json(&decode(&input, options.as_ref())?.thumbprint_reports())
}

/// The JSON text `certbind inspect --json` prints for `input` (snake_case keys, without the
/// `file` key the CLI adds). Used by `npx certbind`.
///
/// # Errors
/// As [`inspect`].
#[wasm_bindgen(js_name = inspectJson)]
pub fn inspect_json(
    #[wasm_bindgen(unchecked_param_type = "CertificateInput")] input: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "DecodeOptions")] options: Option<JsValue>,
) -> Result<String, JsValue> {
    json::to_cli_json(&decode(&input, options.as_ref())?.inspect_reports())
}

/// The JSON text `certbind normalize --json` prints. Used by `npx certbind`.
///
/// # Errors
/// As [`normalize_thumbprint`].
#[wasm_bindgen(js_name = normalizeThumbprintJson)]
pub fn normalize_thumbprint_json(
    #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
) -> Result<String, JsValue> {
    json::to_cli_json(&normalize(&text)?)
}
