//! Recorded certificate headers: what each reverse proxy sends for a client certificate,
//! produced from real certificates with the exact transformation that proxy applies. Each
//! function cites where the transformation comes from.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use openssl::x509::X509;

/// PEM as OpenSSL's `PEM_write_bio_X509` writes it (64-column lines, final newline): what
/// nginx, Envoy and HAProxy get from OpenSSL, and what AWS documents.
#[must_use]
pub fn pem(der: &[u8]) -> String {
    String::from_utf8(X509::from_der(der).unwrap().to_pem().unwrap()).unwrap()
}

/// Percent-encodes every byte except those `keep` accepts, uppercase hex.
fn escape(text: &str, keep: impl Fn(u8) -> bool) -> String {
    text.bytes()
        .map(|b| {
            if keep(b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// RFC 3986 unreserved characters.
const fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// RFC 9440 §2.2 `Client-Cert`: the DER as an RFC 8941 Byte Sequence, `:base64:`.
/// <https://www.rfc-editor.org/rfc/rfc9440#section-2>
#[must_use]
pub fn rfc9440_cert(der: &[u8]) -> String {
    format!(":{}:", STANDARD.encode(der))
}

/// RFC 9440 §2.3 `Client-Cert-Chain`: an RFC 8941 List of Byte Sequences (`, ` between members,
/// RFC 8941 §4.1.1), in TLS order.
#[must_use]
pub fn rfc9440_chain(ders: &[&[u8]]) -> String {
    ders.iter()
        .map(|d| rfc9440_cert(d))
        .collect::<Vec<_>>()
        .join(", ")
}

/// nginx `$ssl_client_escaped_cert`: `ngx_escape_uri(…, NGX_ESCAPE_URI_COMPONENT)` of the PEM,
/// which escapes everything but ALPHA, DIGIT, `-`, `.`, `_`, `~` (src/core/ngx_string.c,
/// `uri_component` table). <https://nginx.org/en/docs/http/ngx_http_ssl_module.html#var_ssl_client_escaped_cert>
#[must_use]
pub fn nginx_escaped(der: &[u8]) -> String {
    escape(&pem(der), unreserved)
}

/// nginx's deprecated `$ssl_client_cert` (`ngx_ssl_get_certificate`: the PEM without its final
/// newline, a tab after every other newline), as it reaches a server after an HTTP/1.1
/// intermediary unfolded it: RFC 9112 §5.2 replaces each obs-fold (the newline and the tab)
/// with a space. (A header cannot carry the raw newline: HTTP clients refuse to send it.)
/// <https://nginx.org/en/docs/http/ngx_http_ssl_module.html#var_ssl_client_cert>
#[must_use]
pub fn nginx_legacy_unfolded(der: &[u8]) -> String {
    nginx_legacy_raw(der).replace("\n\t", " ")
}

/// nginx's `$ssl_client_cert` exactly as nginx produces it (with the newline-tab folds).
#[must_use]
pub fn nginx_legacy_raw(der: &[u8]) -> String {
    pem(der).trim_end_matches('\n').replace('\n', "\n\t")
}

/// Envoy's URL-encoding of a PEM for XFCC `Cert`/`Chain`: exactly `\n`, space, `+`, `/`, `=`
/// are replaced (`absl::StrReplaceAll` in
/// source/common/tls/connection_info_impl_base.cc, `urlEncodedPemEncodedPeerCertificate`).
#[must_use]
pub fn envoy_url_encoded_pem(ders: &[&[u8]]) -> String {
    ders.iter()
        .map(|d| {
            pem(d)
                .replace('\n', "%0A")
                .replace(' ', "%20")
                .replace('+', "%2B")
                .replace('/', "%2F")
                .replace('=', "%3D")
        })
        .collect()
}

/// One XFCC element as Envoy's `mutateXfccRequestHeader` writes it with
/// `set_current_client_cert_details { subject, cert, chain, uri, dns }`: `By=<local URI SAN>`,
/// `Hash=<sha256 hex>`, `Cert="…"`, `Chain="…"` (leaf first), `Subject="…"`, `URI=`, `DNS=`,
/// joined by `;` (source/common/http/conn_manager_utility.cc). Elements are joined by `,`.
/// <https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#x-forwarded-client-cert>
#[must_use]
pub fn envoy_xfcc_element(by: &str, leaf: &[u8], chain: &[&[u8]], subject: &str) -> String {
    let hash: String = openssl::sha::sha256(leaf)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut full = vec![leaf];
    full.extend_from_slice(chain);
    format!(
        "By={by};Hash={hash};Cert=\"{}\";Chain=\"{}\";Subject=\"{}\";URI=;DNS=client.example",
        envoy_url_encoded_pem(&[leaf]),
        envoy_url_encoded_pem(&full),
        subject.replace('"', "\\\"")
    )
}

/// Traefik `passTLSClientCert` with `pem: true`: each certificate's PEM with the armour and the
/// newlines removed (`sanitize`), joined by `,` (`getCertificates`), in the order the client
/// sent them; Traefik 2 also applied Go's `url.QueryEscape` to each
/// (pkg/middlewares/passtlsclientcert/pass_tls_client_cert.go).
/// <https://doc.traefik.io/traefik/middlewares/http/passtlsclientcert/>
#[must_use]
pub fn traefik(ders: &[&[u8]], traefik2_escaped: bool) -> String {
    ders.iter()
        .map(|d| {
            let body: String = pem(d)
                .replace("-----BEGIN CERTIFICATE-----", "")
                .replace("-----END CERTIFICATE-----", "")
                .replace('\n', "");
            if traefik2_escaped {
                // url.QueryEscape: unreserved characters stay, space becomes '+'.
                escape(&body, unreserved)
            } else {
                body
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// AWS ALB mutual-TLS passthrough `X-Amzn-Mtls-Clientcert`: the client's chain as
/// "URL-encoded PEM format, with `+`, `=`, `/` as safe characters" (Python's
/// `urllib.parse.quote(pem, safe="+=/")`: unreserved characters and those three stay).
/// <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/mutual-authentication.html>
#[must_use]
pub fn aws_alb(ders: &[&[u8]]) -> String {
    let pems: String = ders.iter().map(|d| pem(d)).collect();
    escape(&pems, |b| unreserved(b) || matches!(b, b'+' | b'=' | b'/'))
}

/// HAProxy `%[ssl_c_der,base64]`: standard padded base64 of the DER, one line.
/// <https://docs.haproxy.org/2.6/configuration.html#7.3.4-ssl_c_der>
#[must_use]
pub fn haproxy(der: &[u8]) -> String {
    STANDARD.encode(der)
}

/// Azure App Service `X-ARR-ClientCert`: base64 of the DER (ASP.NET reads it with
/// `Convert.FromBase64String`).
/// <https://learn.microsoft.com/azure/app-service/app-service-web-configure-tls-mutual-auth>
#[must_use]
pub fn azure(der: &[u8]) -> String {
    STANDARD.encode(der)
}
