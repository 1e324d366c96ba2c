//! `checkBinding`: certbind-core's token binding check (RFC 8705 §3) for a token's `cnf` claim
//! and the certificate presented with it. Full build only (`token` feature): the lean build a
//! page loads first stays as it was.

use alloc::vec::Vec;

use certbind_core::{Confirmation, DecodeOptions, PresentedCertificate};
use js_sys::{Array, Object};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

use crate::{args, errors, json};

/// The `cnf` claim as the core's [`Confirmation`]: `None` for `null`/`undefined` (no claim),
/// each member with its value when it is a string; a `cnf` that is not an object binds to
/// nothing (an empty one).
fn confirmation(cnf: &JsValue) -> Option<Confirmation> {
    if cnf.is_null() || cnf.is_undefined() {
        return None;
    }
    let mut out = Confirmation::new();
    if let Some(object) = cnf.dyn_ref::<Object>().filter(|_| !Array::is_array(cnf)) {
        for entry in Object::entries(object).iter() {
            let pair: Array = entry.unchecked_into();
            if let Some(name) = pair.get(0).as_string() {
                out.push(name, pair.get(1).as_string());
            }
        }
    }
    Some(out)
}

/// The certificate presented: `certificate` (any format; its other certificates and
/// `options.chain` are the chain after it), or `None` for `null`/`undefined`.
fn presented(
    certificate: &JsValue,
    options: Option<&JsValue>,
) -> Result<Option<PresentedCertificate>, JsValue> {
    if certificate.is_null() || certificate.is_undefined() {
        return Ok(None);
    }
    let bytes = args::input_bytes(certificate, "certificate")?;
    let password = args::string_property(options, "password")?;
    let mut decode_options = DecodeOptions::default();
    decode_options.password = password.as_deref();
    let decoded = certbind_core::decode(&bytes, &decode_options).map_err(|e| errors::core(&e))?;
    let mut chain = Vec::new();
    if let Some(list) = args::property(options, "chain")? {
        let items: Array = if Array::is_array(&list) {
            list.unchecked_into()
        } else {
            Array::of1(&list)
        };
        for item in items.iter() {
            let bytes = args::input_bytes(&item, "options.chain[]")?;
            let more = certbind_core::decode(&bytes, &DecodeOptions::default())
                .map_err(|e| errors::core(&e))?;
            chain.extend(more.certificates.iter().map(|c| c.der().to_vec()));
        }
    }
    PresentedCertificate::from_decoded(decoded, chain)
        .map(Some)
        .map_err(|e| errors::core(&e))
}

/// Is a token with this `cnf` claim bound to `certificate`? The core's answer: `outcome`,
/// `bound`, both thumbprints, the near-miss `hints` and the `message`.
///
/// # Errors
/// Throws the core's decoding errors for `certificate` and `options.chain`.
#[wasm_bindgen(js_name = checkBinding, unchecked_return_type = "Binding")]
pub fn check_binding(
    #[wasm_bindgen(unchecked_param_type = "Record<string, unknown> | null | undefined")]
    cnf: JsValue,
    #[wasm_bindgen(unchecked_param_type = "CertificateInput | null | undefined")]
    certificate: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "BindingOptions")] options: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    let certificate = presented(&certificate, options.as_ref())?;
    json::to_js(&certbind_core::check_binding(
        confirmation(&cnf).as_ref(),
        certificate.as_ref(),
    ))
}

/// [`check_binding`] as the JSON text the Rust `certbind verify-token --json` prints for the
/// binding (snake_case keys). Used by `npx certbind`.
///
/// # Errors
/// As [`check_binding`].
#[wasm_bindgen(js_name = checkBindingJson)]
pub fn check_binding_json(
    #[wasm_bindgen(unchecked_param_type = "Record<string, unknown> | null | undefined")]
    cnf: JsValue,
    #[wasm_bindgen(unchecked_param_type = "CertificateInput | null | undefined")]
    certificate: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "BindingOptions")] options: Option<JsValue>,
) -> Result<alloc::string::String, JsValue> {
    let certificate = presented(&certificate, options.as_ref())?;
    json::to_cli_json(&certbind_core::check_binding(
        confirmation(&cnf).as_ref(),
        certificate.as_ref(),
    ))
}

/// A client certificate wrapped once (its digests and validity read), for servers that check
/// many tokens against the certificate of one TLS connection: `certbind/api` keeps one per
/// connection, so a request costs only the comparison.
#[wasm_bindgen(js_name = PresentedCertificate)]
#[derive(Debug)]
pub struct PresentedCertificateHandle {
    inner: PresentedCertificate,
}

#[wasm_bindgen(js_class = PresentedCertificate)]
impl PresentedCertificateHandle {
    /// Reads `certificate` (any format; its other certificates and `options.chain` are the
    /// chain after it).
    ///
    /// # Errors
    /// Throws the core's decoding errors.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "CertificateInput")] certificate: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "BindingOptions")] options: Option<JsValue>,
    ) -> Result<Self, JsValue> {
        presented(&certificate, options.as_ref())?
            .map(|inner| Self { inner })
            .ok_or_else(|| errors::invalid_argument("certificate must not be null"))
    }

    /// The certificate's `x5t#S256`.
    #[wasm_bindgen(getter = x5tS256)]
    #[must_use]
    pub fn x5t_s256(&self) -> alloc::string::String {
        self.inner.x5t_s256()
    }

    /// Whether a token with this `cnf` is bound to this certificate: [`check_binding`]'s
    /// `bound`, without building the explanation's JavaScript object (a server's per-request
    /// path; ask `checkBinding` for the words when it is `false`).
    #[wasm_bindgen(js_name = isBound)]
    #[must_use]
    pub fn is_bound(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Record<string, unknown> | null | undefined")]
        cnf: &JsValue,
    ) -> bool {
        certbind_core::check_binding(confirmation(cnf).as_ref(), Some(&self.inner)).bound
    }

    /// [`check_binding`] against this certificate.
    ///
    /// # Errors
    /// Only an internal serialisation failure.
    #[wasm_bindgen(js_name = checkBinding, unchecked_return_type = "Binding")]
    pub fn check_binding(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Record<string, unknown> | null | undefined")]
        cnf: JsValue,
    ) -> Result<JsValue, JsValue> {
        json::to_js(&certbind_core::check_binding(
            confirmation(&cnf).as_ref(),
            Some(&self.inner),
        ))
    }
}
