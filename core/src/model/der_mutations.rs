//! Structure-aware mutations of DER, for the tests that compare certbind's hand-written readers
//! with x509-cert's decoders: the DER is parsed into a tree (also inside OCTET STRINGs that hold
//! DER, such as extension values), one node is changed (a tag changed, an element dropped,
//! duplicated, swapped or wrapped, a value replaced by an edge case: times before 1970,
//! non-canonical integers and booleans, oversized serials, malformed OIDs…), and the tree is
//! written back with every enclosing length re-encoded, so that the mutation reaches the field it
//! targets instead of breaking the outer framing.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, unreachable_pub)]

extern crate std;

use alloc::vec;
use alloc::vec::Vec;
use std::path::PathBuf;

/// A TLV tree: tag bytes, and either children (constructed) or content bytes.
#[derive(Clone, Debug)]
enum Node {
    Constructed(Vec<u8>, Vec<Self>),
    /// An OCTET STRING whose contents are DER.
    Encapsulating(Vec<u8>, Vec<Self>),
    Primitive(Vec<u8>, Vec<u8>),
}

fn parse(bytes: &[u8], depth: usize) -> Option<Vec<Node>> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let (&first, mut after) = rest.split_first()?;
        let mut tag = vec![first];
        if first & 0x1f == 0x1f {
            loop {
                let (&b, r) = after.split_first()?;
                tag.push(b);
                after = r;
                if b & 0x80 == 0 {
                    break;
                }
            }
        }
        let (&len_byte, mut after_len) = after.split_first()?;
        let len = if len_byte & 0x80 == 0 {
            usize::from(len_byte)
        } else {
            let n = usize::from(len_byte & 0x7f);
            if n == 0 || n > 4 || after_len.len() < n {
                return None;
            }
            let len = after_len[..n]
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            after_len = &after_len[n..];
            len
        };
        if after_len.len() < len {
            return None;
        }
        let (content, next) = after_len.split_at(len);
        let nested = (depth < 30
            && (first & 0x20 != 0 || first == 0x04 && content.first() == Some(&0x30)))
        .then(|| parse(content, depth + 1))
        .flatten();
        let node = match nested {
            Some(children) if first == 0x04 => Node::Encapsulating(tag, children),
            Some(children) => Node::Constructed(tag, children),
            None => Node::Primitive(tag, content.to_vec()),
        };
        out.push(node);
        rest = next;
    }
    Some(out)
}

fn encode_length(len: usize, out: &mut Vec<u8>) {
    use der::Encode;
    der::Length::try_from(len)
        .and_then(|l| l.encode_to_vec(out))
        .unwrap();
}

fn serialize(nodes: &[Node], out: &mut Vec<u8>) {
    for node in nodes {
        match node {
            Node::Constructed(tag, children) | Node::Encapsulating(tag, children) => {
                let mut body = Vec::new();
                serialize(children, &mut body);
                out.extend(tag);
                encode_length(body.len(), out);
                out.extend(body);
            }
            Node::Primitive(tag, content) => {
                out.extend(tag);
                encode_length(content.len(), out);
                out.extend(content);
            }
        }
    }
}

/// A small deterministic generator (xorshift64*), so failures reproduce.
pub struct Rng(pub u64);

impl Rng {
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        usize::try_from(self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33).unwrap() % n
    }
}

/// Values that probe the leaf decoders' rules.
const VALUES: &[&[u8]] = &[
    b"\x00",
    b"\xff",
    b"\x01",
    b"\x80",
    b"\x7f",
    b"",
    b"\x00\x00",
    b"\x00\x80",
    b"\xff\x7f",
    b"\x03",
    b"\x07\x80",
    b"\x01\x01",
    b"691231235959Z",
    b"500101000000Z",
    b"491231235959Z",
    b"19691231235959Z",
    b"20500101000000Z",
    b"20491231235959Z",
    b"240230120000Z",
    b"2402291200Z",
    b"240229120000+0100",
    b"99991231235959Z",
    b"20240229120000.5Z",
    b"\x2a\x86\x48",
    b"\x2a\x80\x01",
    b"\x55\x1d\x0f",
    &[0u8; 25],
    &[1u8; 21],
    &[1u8; 22],
    b"\x00\x80\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01",
    &[0x2b; 45],
];

const TAGS: &[u8] = &[
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x13, 0x16, 0x17, 0x18, 0x1e, 0x30, 0x31, 0x10, 0x11,
    0x22, 0x23, 0x24, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0x80, 0x81, 0x82, 0x83, 0x87, 0x88, 0x1f, 0x9f,
    0x37,
];

/// Paths (child indexes from the root) of every node.
fn paths(nodes: &[Node], prefix: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    for (i, node) in nodes.iter().enumerate() {
        prefix.push(i);
        out.push(prefix.clone());
        if let Node::Constructed(_, children) | Node::Encapsulating(_, children) = node {
            paths(children, prefix, out);
        }
        prefix.pop();
    }
}

/// The list holding the node at `path` and the node's index in it.
fn parent_of<'a>(nodes: &'a mut Vec<Node>, path: &[usize]) -> (&'a mut Vec<Node>, usize) {
    let (last, init) = path.split_last().unwrap();
    let mut list = nodes;
    for &i in init {
        list = match &mut list[i] {
            Node::Constructed(_, children) | Node::Encapsulating(_, children) => children,
            Node::Primitive(..) => unreachable!(),
        };
    }
    (list, *last)
}

fn flatten(node: &Node) -> (Vec<u8>, Vec<u8>) {
    match node {
        Node::Primitive(tag, content) => (tag.clone(), content.clone()),
        Node::Constructed(tag, children) | Node::Encapsulating(tag, children) => {
            let mut body = Vec::new();
            serialize(children, &mut body);
            (tag.clone(), body)
        }
    }
}

fn mutate(tree: &mut Vec<Node>, rng: &mut Rng) {
    let mut all = Vec::new();
    paths(tree, &mut Vec::new(), &mut all);
    if all.is_empty() {
        return;
    }
    let path = all[rng.below(all.len())].clone();
    let (list, i) = parent_of(tree, &path);
    // Half of the mutations put an edge-case value into a primitive field.
    if rng.below(2) == 0
        && let Node::Primitive(_, content) = &mut list[i]
    {
        *content = VALUES[rng.below(VALUES.len())].to_vec();
        return;
    }
    match rng.below(9) {
        0 => {
            let (_, content) = flatten(&list[i]);
            list[i] = Node::Primitive(vec![TAGS[rng.below(TAGS.len())]], content);
        }
        1 => {
            let (tag, _) = flatten(&list[i]);
            list[i] = Node::Primitive(tag, VALUES[rng.below(VALUES.len())].to_vec());
        }
        2 => {
            let (tag, mut content) = flatten(&list[i]);
            if !content.is_empty() {
                let at = rng.below(content.len());
                content[at] ^= 1 << rng.below(8);
            }
            list[i] = Node::Primitive(tag, content);
        }
        3 => {
            list.remove(i);
        }
        4 => {
            let copy = list[i].clone();
            list.insert(i, copy);
        }
        5 => {
            if i + 1 < list.len() {
                list.swap(i, i + 1);
            }
        }
        6 => {
            let node = Node::Primitive(
                vec![TAGS[rng.below(TAGS.len())]],
                VALUES[rng.below(VALUES.len())].to_vec(),
            );
            list.insert(i + rng.below(2), node);
        }
        7 => {
            let wrapper = [0x30, 0x31, 0xa0, 0xa3, 0x04][rng.below(5)];
            let inner = list[i].clone();
            list[i] = Node::Constructed(vec![wrapper], vec![inner]);
        }
        _ => {
            if let Node::Constructed(_, children) | Node::Encapsulating(_, children) = &mut list[i]
            {
                children.clear();
            }
        }
    }
}

/// `count` mutants of `seed` (one or two mutations each), or none when `seed` is not DER.
pub fn mutants(seed: &[u8], count: usize, rng: &mut Rng) -> Vec<Vec<u8>> {
    let Some(tree) = parse(seed, 0) else {
        return Vec::new();
    };
    (0..count)
        .map(|_| {
            let mut mutated = tree.clone();
            for _ in 0..=rng.below(2) {
                mutate(&mut mutated, rng);
            }
            let mut der = Vec::new();
            serialize(&mutated, &mut der);
            der
        })
        .collect()
}

/// Real certificates: the DER fixtures and the system bundle.
pub fn certificates() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "der"))
        .collect();
    files.sort();
    for path in files {
        out.push(std::fs::read(path).unwrap());
    }
    if let Ok(bundle) = std::fs::read_to_string("/etc/ssl/certs/ca-certificates.crt") {
        // Its PEM blocks read with the base64 decoder alone: the PEM reader is a layer above.
        for block in bundle.split("-----BEGIN CERTIFICATE-----").skip(1) {
            let body = block.split("-----END CERTIFICATE-----").next().unwrap();
            let base64: Vec<u8> = body
                .bytes()
                .filter(|b| !b.is_ascii_whitespace() && *b != b'=')
                .collect();
            out.push(crate::base64::decode(&base64, false).unwrap());
        }
    }
    out
}
