//! The readers of what people have: `decode` (the format read from the bytes) and each input
//! format (PEM, URL-encoded PEM, base64 and hex text, JSON `x5c`, XML `<X509Certificate>`,
//! PKCS#7, PKCS#12) with their limits, and pasted thumbprints (`normalize`). Its place in the
//! layers: core/README.md, "Layout".

pub(crate) mod decode;
pub(crate) mod limits;
pub(crate) mod normalize;
pub(crate) mod pem;
pub(crate) mod percent;
pub(crate) mod pkcs12;
pub(crate) mod pkcs7;
pub(crate) mod x5c;
pub(crate) mod xmldsig;
