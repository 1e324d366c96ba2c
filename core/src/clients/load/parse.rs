//! A registry document as a tree of values with line numbers, read from TOML (with lines) or
//! from any serde format (JSON, a JavaScript object; without lines).
//!
//! The loader walks this tree instead of deriving `Deserialize` on the model, so that it can
//! report *every* problem, each with its field path and line, instead of stopping at the first.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

/// A value and the 1-based line it starts on (when the input has lines).
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub(crate) line: Option<usize>,
    pub(crate) value: Value,
}

/// A key of a table and the line it is on.
#[derive(Clone, Debug)]
pub(crate) struct Key {
    pub(crate) name: String,
    pub(crate) line: Option<usize>,
}

#[derive(Clone, Debug)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Integer(i64),
    /// An integer that does not fit in i64, or a float: kept as text for messages.
    Number(String),
    String(String),
    /// A TOML date-time, as TOML writes it (RFC 3339 when it has an offset).
    #[cfg_attr(not(feature = "toml"), allow(dead_code))]
    Datetime(String),
    Array(Vec<Node>),
    Table(Vec<(Key, Node)>),
}

impl Value {
    /// The type in words, for "expected …, found …" messages.
    pub(crate) const fn type_name(&self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Bool(_) => "a boolean",
            Self::Integer(_) | Self::Number(_) => "a number",
            Self::String(_) => "a string",
            Self::Datetime(_) => "a date-time",
            Self::Array(_) => "an array",
            Self::Table(_) => "a table",
        }
    }
}

// ------------------------------------------------------------------------------------- TOML

/// Reads TOML text into a tree; on a syntax error, the message and its line.
#[cfg(feature = "toml")]
pub(crate) fn from_toml(text: &str) -> Result<Node, (Option<usize>, String)> {
    let lines = LineIndex::new(text);
    let table = toml::de::DeTable::parse(text).map_err(|e| {
        let line = e.span().map(|span| lines.line(span.start));
        (line, e.message().trim().to_string())
    })?;
    Ok(Node {
        line: Some(1),
        value: Value::Table(convert_table(table.get_ref(), &lines)),
    })
}

#[cfg(feature = "toml")]
fn convert_table(table: &toml::de::DeTable<'_>, lines: &LineIndex) -> Vec<(Key, Node)> {
    let mut entries: Vec<(Key, Node)> = table
        .iter()
        .map(|(key, value)| {
            let key = Key {
                name: key.get_ref().to_string(),
                line: Some(lines.line(key.span().start)),
            };
            (key, convert(value, lines))
        })
        .collect();
    // toml's map is sorted by key; file order reads better in messages.
    entries.sort_by_key(|(key, _)| key.line);
    entries
}

#[cfg(feature = "toml")]
fn convert(value: &toml::Spanned<toml::de::DeValue<'_>>, lines: &LineIndex) -> Node {
    use toml::de::DeValue;
    let line = Some(lines.line(value.span().start));
    let value = match value.get_ref() {
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => Value::Integer(n),
            Err(_) => Value::Number(i.as_str().to_string()),
        },
        DeValue::Float(f) => Value::Number(f.as_str().to_string()),
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(d) => Value::Datetime(d.to_string()),
        DeValue::Array(items) => Value::Array(items.iter().map(|v| convert(v, lines)).collect()),
        DeValue::Table(table) => Value::Table(convert_table(table, lines)),
    };
    Node { line, value }
}

/// Byte offset → 1-based line.
#[cfg(feature = "toml")]
struct LineIndex {
    starts: Vec<usize>,
}

#[cfg(feature = "toml")]
impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = alloc::vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { starts }
    }

    fn line(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }
}

// ------------------------------------------------------------------------------------ serde

impl<'de> serde::Deserialize<'de> for Node {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

fn node(value: Value) -> Node {
    Node { line: None, value }
}

impl<'de> serde::de::Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a registry value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(node(Value::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(node(Value::Integer(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(node(match i64::try_from(v) {
            Ok(n) => Value::Integer(n),
            Err(_) => Value::Number(v.to_string()),
        }))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        // JavaScript numbers arrive as f64: whole numbers are integers.
        #[allow(clippy::cast_possible_truncation)]
        let whole = v as i64;
        #[allow(clippy::cast_precision_loss)]
        let exact = whole as f64 == v;
        Ok(node(if exact {
            Value::Integer(whole)
        } else {
            Value::Number(v.to_string())
        }))
    }

    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(node(Value::String(v.to_string())))
    }

    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(node(Value::String(v)))
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(node(Value::Null))
    }

    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(node(Value::Null))
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        serde::Deserialize::deserialize(d)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(node(Value::Array(items)))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some((name, value)) = map.next_entry::<String, Node>()? {
            entries.push((Key { name, line: None }, value));
        }
        Ok(node(Value::Table(entries)))
    }
}
