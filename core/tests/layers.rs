//! The layers of `core/src` (the map in core/README.md, "Layout"): every import points down the
//! map, and no modules import each other in a circle.
//!
//! An import is any path that names another module of the crate: a `use crate::…`,
//! `use super::…` or `use self::…` (also inside functions and test modules), a qualified path in
//! code (`crate::tbs::walk(…)`, `super::parse::Node`, `extensions::read(…)` for a child module)
//! and paths inside macro calls. `crate::Name` through the crate root's `use` and `pub use`
//! lists is followed to the module that defines `Name`. The source is read with proc-macro2's
//! tokenizer, so comments, doc comments and strings never count. What a path-based check cannot
//! see: a method that a module higher up defines on a type from lower down (`impl Decoded { … }`
//! in `reports/`), called without naming a path; code review keeps that direction too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

extern crate alloc;

use alloc::collections::{BTreeMap, BTreeSet};
use core::fmt::Write as _;
use std::path::Path;

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};

/// A module by its path from the crate root (`["model", "x509", "check"]`; `[]` is `lib.rs`).
type ModulePath = Vec<String>;

/// One path in the source that names a crate module, resolved.
#[derive(Debug)]
struct Import {
    from: ModulePath,
    to: ModulePath,
    /// 1-based line in `from`'s file.
    line: usize,
    /// The path as written, for messages (`crate::decide::names_subject`).
    written: String,
}

/// One row of the layer map: a folder under `core/src` and the folders it may import from.
#[derive(Debug)]
struct Layer {
    folder: String,
    may_use: BTreeSet<String>,
}

/// Every source file of a crate, read: module path → (file name for messages, text).
type Sources = BTreeMap<ModulePath, (String, String)>;

fn read_sources(src: &Path) -> Sources {
    let mut out = Sources::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(src).unwrap().with_extension("");
                let mut module: ModulePath = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if module == ["lib"] {
                    module.clear();
                }
                let name = format!("core/src/{}", path.strip_prefix(src).unwrap().display());
                out.insert(module, (name, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    out
}

/// The layer map: the table under "## Layout" in core/README.md whose first column is a
/// folder (`` `model/` ``) and whose last column lists the folders it may use (`` `base` ``).
fn read_layer_map(readme: &str) -> Vec<Layer> {
    let readme = format!("\n{readme}");
    let section = readme
        .split("\n## ")
        .find(|s| s.starts_with("Layout"))
        .expect("core/README.md has a \"## Layout\" section with the layer map");
    let mut layers = Vec::new();
    for row in section.lines().filter(|l| l.starts_with('|')) {
        let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
        let (Some(first), Some(last)) = (cells.first(), cells.last()) else {
            continue;
        };
        let Some(folder) = first.strip_prefix('`').and_then(|f| f.strip_suffix("/`")) else {
            continue;
        };
        let may_use = last
            .split('`')
            .skip(1)
            .step_by(2)
            .map(|f| f.trim_end_matches('/').to_string())
            .collect();
        layers.push(Layer {
            folder: folder.to_string(),
            may_use,
        });
    }
    assert!(
        !layers.is_empty(),
        "the Layout section of core/README.md has no layer table"
    );
    layers
}

/// What one file says about names: its child modules and what its top-level `use`s bring in.
#[derive(Default)]
struct Scope {
    children: BTreeSet<String>,
    /// Name brought in by a top-level `use` → the absolute paths it stands for (a module and a
    /// function may share a name: `decode` and `decode::decode`).
    uses: BTreeMap<String, Vec<ModulePath>>,
    /// The names the file's top-level `use`s bring in.
    bound: BTreeSet<String>,
}

/// A path in a `use` tree or in code, before resolution.
struct Written {
    /// The module whose code it is in (a file module plus any inline modules, e.g. `tests`).
    context: ModulePath,
    segments: Vec<String>,
    line: usize,
    /// Whether it is a top-level `use` of its file (and what name it brings in).
    binds: Option<String>,
}

fn is_path_separator(tokens: &[TokenTree], i: usize) -> bool {
    matches!(
        (tokens.get(i), tokens.get(i + 1)),
        (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
            if a.as_char() == ':' && a.spacing() == Spacing::Joint && b.as_char() == ':'
    )
}

fn ident(token: Option<&TokenTree>) -> Option<String> {
    match token {
        Some(TokenTree::Ident(i)) => Some(i.to_string()),
        _ => None,
    }
}

/// Expands a `use` tree (the tokens between `use` and `;`) into paths, each with the name it
/// binds (`None` for a glob).
fn expand_use(
    tokens: &[TokenTree],
    prefix: &[String],
    out: &mut Vec<(Vec<String>, Option<String>)>,
) {
    let mut path = prefix.to_vec();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Ident(id) if id == "as" => {
                let alias = ident(tokens.get(i + 1)).unwrap_or_default();
                out.push((path.clone(), Some(alias)));
                return;
            }
            TokenTree::Ident(id) => {
                path.push(id.to_string());
                i += 1;
            }
            TokenTree::Punct(p) if p.as_char() == ':' => i += 1,
            TokenTree::Punct(p) if p.as_char() == '*' => {
                out.push((path.clone(), None));
                return;
            }
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => {
                let inner: Vec<TokenTree> = g.stream().into_iter().collect();
                for part in inner.split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ','))
                {
                    if !part.is_empty() {
                        expand_use(part, &path, out);
                    }
                }
                return;
            }
            _ => i += 1,
        }
    }
    let name = path.last().cloned();
    let name = if name.as_deref() == Some("self") {
        path.pop();
        path.last().cloned()
    } else {
        name
    };
    out.push((path, name));
}

/// Collects every `use` and every qualified path that starts at `crate`, `super`, `self` or a
/// child module of the file, in `tokens` (recursively), with the module context of each.
fn collect(
    tokens: Vec<TokenTree>,
    context: &ModulePath,
    file_depth: usize,
    top_level: bool,
    children: &BTreeSet<String>,
    out: &mut Vec<Written>,
) {
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        match token {
            TokenTree::Ident(id) if id == "mod" => {
                // An inline module (`mod tests { … }`): its code is in a module of its own.
                if let (Some(name), Some(TokenTree::Group(body))) =
                    (ident(tokens.get(i + 1)), tokens.get(i + 2))
                    && body.delimiter() == Delimiter::Brace
                {
                    let mut inner = context.clone();
                    inner.push(name);
                    collect(
                        body.stream().into_iter().collect(),
                        &inner,
                        file_depth,
                        false,
                        children,
                        out,
                    );
                    i += 3;
                    continue;
                }
                i += 1;
            }
            TokenTree::Ident(id) if id == "use" => {
                let line = id.span().start().line;
                let end = tokens[i..]
                    .iter()
                    .position(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ';'))
                    .map_or(tokens.len(), |n| i + n);
                let mut paths = Vec::new();
                expand_use(&tokens[i + 1..end], &[], &mut paths);
                for (segments, name) in paths {
                    out.push(Written {
                        context: context.clone(),
                        segments,
                        line,
                        binds: if top_level { name } else { None },
                    });
                }
                i = end + 1;
            }
            TokenTree::Ident(id)
                if (id == "crate"
                    || id == "super"
                    || id == "self"
                    || (context.len() == file_depth && children.contains(&id.to_string())))
                    && is_path_separator(&tokens, i + 1)
                    && !(i >= 2 && is_path_separator(&tokens, i - 2)) =>
            {
                let line = id.span().start().line;
                let mut segments = vec![id.to_string()];
                let mut j = i + 1;
                while is_path_separator(&tokens, j) {
                    match ident(tokens.get(j + 2)) {
                        Some(next) => {
                            segments.push(next);
                            j += 3;
                        }
                        None => break,
                    }
                }
                out.push(Written {
                    context: context.clone(),
                    segments,
                    line,
                    binds: None,
                });
                i = j;
            }
            TokenTree::Group(g) => {
                collect(
                    g.stream().into_iter().collect(),
                    context,
                    file_depth,
                    false,
                    children,
                    out,
                );
                i += 1;
            }
            _ => i += 1,
        }
    }
}

/// The absolute path a written path stands for (before following `use`s), or `None` for a path
/// outside the crate (`alloc::…`, `der::…`).
fn absolute(
    written: &Written,
    children: &BTreeSet<String>,
    bound: &BTreeSet<String>,
    file: &ModulePath,
) -> Option<ModulePath> {
    let mut segments = written.segments.iter().peekable();
    let mut base: ModulePath = match segments.peek().map(|s| s.as_str()) {
        Some("crate") => {
            segments.next();
            Vec::new()
        }
        Some("self") => {
            segments.next();
            written.context.clone()
        }
        Some("super") => {
            let mut base = written.context.clone();
            while segments.peek().is_some_and(|s| *s == "super") {
                segments.next();
                base.pop()?;
            }
            base
        }
        // A child module, or a name a `use` of the file brings in (lib.rs:
        // `use formats::normalize;`, then `pub use normalize::ChangeKind;`): from the file.
        Some(first)
            if written.context == *file && (children.contains(first) || bound.contains(first)) =>
        {
            file.clone()
        }
        _ => return None,
    };
    base.extend(segments.cloned());
    Some(base)
}

/// The file module that defines what `path` names: child modules are followed, names a file
/// brings in with `use` are replaced by what they stand for, and the first name that is neither
/// is an item of the module reached.
fn resolve(
    path: &[String],
    sources: &Sources,
    scopes: &BTreeMap<ModulePath, Scope>,
    depth: usize,
) -> ModulePath {
    let mut module: ModulePath = Vec::new();
    for (i, segment) in path.iter().enumerate() {
        let mut child = module.clone();
        child.push(segment.clone());
        if sources.contains_key(&child) {
            module = child;
            continue;
        }
        let candidates = scopes.get(&module).and_then(|s| s.uses.get(segment));
        // With more segments to follow, the name is a module (or a type) the `use` brings in.
        let target = candidates.and_then(|c| {
            c.iter()
                .find(|t| i + 1 < path.len() && sources.contains_key(*t))
                .or_else(|| c.first())
        });
        if depth < 16
            && let Some(target) = target
            && target.as_slice() != &path[..=i]
        {
            let mut full = target.clone();
            full.extend(path[i + 1..].iter().cloned());
            return resolve(&full, sources, scopes, depth + 1);
        }
        break;
    }
    module
}

/// Every import between two different file modules of the crate.
fn imports(sources: &Sources) -> Vec<Import> {
    let mut written_by_file = BTreeMap::new();
    let mut scopes = BTreeMap::new();
    for (module, (name, text)) in sources {
        let tokens: TokenStream = text
            .parse()
            .unwrap_or_else(|e| panic!("{name} does not tokenize: {e:?}"));
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        let mut scope = Scope::default();
        for (k, t) in tokens.iter().enumerate() {
            if let (TokenTree::Ident(m), Some(child), Some(TokenTree::Punct(semi))) =
                (t, ident(tokens.get(k + 1)), tokens.get(k + 2))
                && m == "mod"
                && semi.as_char() == ';'
            {
                scope.children.insert(child);
            }
        }
        let mut written = Vec::new();
        collect(
            tokens,
            module,
            module.len(),
            true,
            &scope.children,
            &mut written,
        );
        scope.bound = written.iter().filter_map(|w| w.binds.clone()).collect();
        for w in &written {
            if let (Some(name), Some(path)) =
                (&w.binds, absolute(w, &scope.children, &scope.bound, module))
            {
                scope.uses.entry(name.clone()).or_default().push(path);
            }
        }
        scopes.insert(module.clone(), scope);
        written_by_file.insert(module.clone(), written);
    }
    let mut out = Vec::new();
    for (module, written) in written_by_file {
        let scope = &scopes[&module];
        for w in written {
            let Some(path) = absolute(&w, &scope.children, &scope.bound, &module) else {
                continue;
            };
            let to = resolve(&path, sources, &scopes, 0);
            if to != module && !to.is_empty() {
                out.push(Import {
                    from: module.clone(),
                    to,
                    line: w.line,
                    written: w.segments.join("::"),
                });
            }
        }
    }
    out
}

fn show(module: &ModulePath) -> String {
    if module.is_empty() {
        String::from("crate")
    } else {
        module.join("::")
    }
}

/// The groups of modules whose imports go round in a circle (strongly connected components of
/// more than one module), each sorted, found with Tarjan's algorithm.
fn cycles(modules: &[ModulePath], imports: &[Import]) -> Vec<Vec<ModulePath>> {
    struct Tarjan<'g> {
        edges: &'g BTreeMap<&'g ModulePath, BTreeSet<&'g ModulePath>>,
        index: BTreeMap<&'g ModulePath, usize>,
        low: BTreeMap<&'g ModulePath, usize>,
        stack: Vec<&'g ModulePath>,
        on_stack: BTreeSet<&'g ModulePath>,
        found: Vec<Vec<ModulePath>>,
    }
    impl<'g> Tarjan<'g> {
        fn visit(&mut self, v: &'g ModulePath) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            for &w in self.edges.get(v).into_iter().flatten() {
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut group = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    group.push(w.clone());
                    if w == v {
                        break;
                    }
                }
                if group.len() > 1 {
                    group.sort();
                    self.found.push(group);
                }
            }
        }
    }
    let mut edges: BTreeMap<&ModulePath, BTreeSet<&ModulePath>> = BTreeMap::new();
    for import in imports {
        edges.entry(&import.from).or_default().insert(&import.to);
    }
    let mut tarjan = Tarjan {
        edges: &edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for module in modules {
        if !tarjan.index.contains_key(module) {
            tarjan.visit(module);
        }
    }
    tarjan.found.sort();
    tarjan.found
}

/// What is wrong with the layers of `sources` under `layers`, one line each; empty when nothing.
fn layer_violations(sources: &Sources, layers: &[Layer], imports: &[Import]) -> Vec<String> {
    let mut problems = Vec::new();
    let folders: BTreeMap<&str, &Layer> = layers.iter().map(|l| (l.folder.as_str(), l)).collect();
    for layer in layers {
        for used in &layer.may_use {
            if !folders.contains_key(used.as_str()) {
                problems.push(format!(
                    "the layer map lets `{}/` use `{used}/`, which is not a folder of the map",
                    layer.folder
                ));
            }
        }
        // The map itself must be layers: no folder may reach itself through what it may use.
        let mut reached: BTreeSet<&str> = BTreeSet::new();
        let mut next: Vec<&str> = layer.may_use.iter().map(String::as_str).collect();
        while let Some(folder) = next.pop() {
            if reached.insert(folder)
                && let Some(below) = folders.get(folder)
            {
                next.extend(below.may_use.iter().map(String::as_str));
            }
        }
        if reached.contains(layer.folder.as_str()) {
            problems.push(format!(
                "the layer map lets `{}/` use itself through the folders it may use",
                layer.folder
            ));
        }
        if !sources.contains_key(&vec![layer.folder.clone()]) {
            problems.push(format!(
                "the layer map names `{}/`, but core/src/{}.rs does not exist",
                layer.folder, layer.folder
            ));
        }
    }
    for (module, (name, _)) in sources {
        if let Some(folder) = module.first()
            && !folders.contains_key(folder.as_str())
        {
            problems.push(format!(
                "{name} is not in a folder of the layer map (core/README.md, Layout)"
            ));
        }
    }
    for import in imports {
        let (Some(from), Some(to)) = (import.from.first(), import.to.first()) else {
            continue;
        };
        if from == to {
            continue;
        }
        let Some(layer) = folders.get(from.as_str()) else {
            continue;
        };
        if !layer.may_use.contains(to) {
            problems.push(format!(
                "{}:{}: `{}` imports {} from `{to}/`, which `{from}/` may not use (core/README.md, Layout)",
                sources[&import.from].0,
                import.line,
                import.written,
                show(&import.to),
            ));
        }
    }
    problems
}

fn describe_cycles(found: &[Vec<ModulePath>], imports: &[Import]) -> String {
    let mut out = String::new();
    for group in found {
        let members: BTreeSet<&ModulePath> = group.iter().collect();
        let _ = writeln!(
            out,
            "modules that import each other in a circle: {}",
            group.iter().map(show).collect::<Vec<_>>().join(", ")
        );
        for import in imports {
            if members.contains(&import.from) && members.contains(&import.to) {
                let _ = writeln!(
                    out,
                    "  {} → {} (line {}: {})",
                    show(&import.from),
                    show(&import.to),
                    import.line,
                    import.written
                );
            }
        }
    }
    out
}

fn crate_sources() -> Sources {
    read_sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
}

#[test]
fn imports_point_down_the_layer_map() {
    let sources = crate_sources();
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let layers = read_layer_map(&readme);
    let imports = imports(&sources);
    let problems = layer_violations(&sources, &layers, &imports);
    assert!(
        problems.is_empty(),
        "imports against the layer map:\n{}",
        problems.join("\n")
    );
}

#[test]
fn no_modules_import_each_other_in_a_circle() {
    let sources = crate_sources();
    let imports = imports(&sources);
    let modules: Vec<ModulePath> = sources.keys().cloned().collect();
    let edges: BTreeSet<(&ModulePath, &ModulePath)> =
        imports.iter().map(|i| (&i.from, &i.to)).collect();
    let found = cycles(&modules, &imports);
    println!(
        "{} modules, {} imports between them, {} groups of modules that import each other in a circle",
        modules.len(),
        edges.len(),
        found.len()
    );
    assert!(found.is_empty(), "{}", describe_cycles(&found, &imports));
}

// ---------------------------------------------------------------- the check itself, on samples

/// A crate of three folders for the checks below: `low/` at the bottom, `mid/` above it (may use
/// `low`), `top/` above both. `edit` changes one file.
fn sample(edit: Option<(&str, &str)>) -> (Sources, Vec<Layer>) {
    let mut files = vec![
        (
            "lib.rs",
            "mod low;\nmod mid;\nmod top;\nuse low::{words, shapes};\nuse mid::rules;\npub use low::words::Word;\npub use rules::{check, Rule as PublicRule};\npub use top::answer::answer;\n",
        ),
        ("low.rs", "pub(crate) mod shapes;\npub(crate) mod words;\n"),
        (
            "low/words.rs",
            "//! Uses crate::mid::rules only in this comment.\nuse alloc::string::String;\npub struct Word(String);\nconst TEXT: &str = \"crate::top::answer::answer()\";\n#[cfg(test)]\nmod tests {\n    use super::*;\n    use crate::shapes::Shape;\n}\n",
        ),
        ("low/shapes.rs", "pub(crate) struct Shape;\n"),
        ("mid.rs", "pub(crate) mod rules;\n"),
        (
            "mid/rules.rs",
            "use crate::Word;\npub struct Rule;\npub fn check(w: &Word) -> bool { crate::shapes::Shape; true }\n",
        ),
        (
            "top.rs",
            "pub(crate) mod answer;\nfn first() -> bool { answer::answer() }\n",
        ),
        (
            "top/answer.rs",
            "pub fn answer() -> bool { format!(\"{}\", crate::rules::check(&crate::Word::new())); crate::PublicRule; true }\n",
        ),
    ];
    if let Some((file, text)) = edit {
        files.retain(|(f, _)| *f != file);
        files.push((file, text));
    }
    let mut sources = Sources::new();
    for (file, text) in files {
        let mut module: ModulePath = file
            .trim_end_matches(".rs")
            .split('/')
            .map(String::from)
            .collect();
        if module == ["lib"] {
            module.clear();
        }
        sources.insert(module, (format!("core/src/{file}"), text.to_string()));
    }
    let readme = "# x\n\n## Layout\n\n| folder | job | may use |\n|---|---|---|\n| `top/` | answers | `mid`, `low` |\n| `mid/` | rules | `low` |\n| `low/` | words | — |\n\n## Next\n";
    (sources, read_layer_map(readme))
}

fn check_sample(edit: Option<(&str, &str)>) -> (Vec<String>, Vec<Vec<ModulePath>>) {
    let (sources, layers) = sample(edit);
    let imports = imports(&sources);
    let modules: Vec<ModulePath> = sources.keys().cloned().collect();
    (
        layer_violations(&sources, &layers, &imports),
        cycles(&modules, &imports),
    )
}

#[test]
fn the_sample_crate_passes_and_its_imports_are_all_seen() {
    let (sources, layers) = sample(None);
    let imports = imports(&sources);
    let mut seen: Vec<String> = imports
        .iter()
        .filter(|i| !i.from.is_empty())
        .map(|i| format!("{} → {}", show(&i.from), show(&i.to)))
        .collect();
    seen.sort();
    seen.dedup();
    assert_eq!(
        seen,
        [
            "low::words → low::shapes",
            "mid::rules → low::shapes",
            "mid::rules → low::words",
            "top → top::answer",
            "top::answer → low::words",
            "top::answer → mid::rules",
        ]
    );
    assert!(layer_violations(&sources, &layers, &imports).is_empty());
    assert!(cycles(&sources.keys().cloned().collect::<Vec<_>>(), &imports).is_empty());
}

#[test]
fn an_upward_import_fails_whichever_way_it_is_written() {
    for (text, written) in [
        ("use crate::mid::rules::Rule;\n", "crate::mid::rules::Rule"),
        ("use crate::PublicRule;\n", "crate::PublicRule"),
        ("use crate::{Word, rules::check};\n", "crate::rules::check"),
        ("fn f() { let _ = crate::check; }\n", "crate::check"),
        (
            "fn f() { assert!(crate::rules::check(&x)); }\n",
            "crate::rules::check",
        ),
        (
            "mod tests { fn f() { super::super::super::top::answer::answer(); } }\n",
            "super::super::super::top::answer::answer",
        ),
    ] {
        let (problems, _) = check_sample(Some(("low/shapes.rs", text)));
        assert_eq!(problems.len(), 1, "{text}: {problems:?}");
        assert!(
            problems[0].starts_with(&format!("core/src/low/shapes.rs:1: `{written}` imports ")),
            "{text}: {problems:?}"
        );
    }
}

#[test]
fn modules_that_import_each_other_are_a_cycle_even_within_a_folder() {
    let (problems, found) = check_sample(Some(("low/shapes.rs", "use super::words::Word;\n")));
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        found,
        [vec![
            vec!["low".to_string(), "shapes".to_string()],
            vec!["low".to_string(), "words".to_string()]
        ]]
    );
}

#[test]
fn a_map_whose_folders_use_each_other_fails() {
    let (sources, _) = sample(None);
    let readme = "## Layout\n\n| folder | job | may use |\n|---|---|---|\n| `top/` | a | `mid`, `low` |\n| `mid/` | b | `low` |\n| `low/` | c | `top` |\n";
    let problems = layer_violations(&sources, &read_layer_map(readme), &imports(&sources));
    for folder in ["top", "mid", "low"] {
        assert!(
            problems.contains(&format!(
                "the layer map lets `{folder}/` use itself through the folders it may use"
            )),
            "{problems:?}"
        );
    }
}

#[test]
fn a_file_outside_the_map_and_a_map_row_without_a_folder_fail() {
    let (mut sources, layers) = sample(None);
    sources.insert(
        vec!["loose".to_string()],
        ("core/src/loose.rs".to_string(), String::new()),
    );
    sources.remove(&vec!["mid".to_string()]);
    let problems = layer_violations(&sources, &layers, &imports(&sources));
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("core/src/loose.rs is not in a folder")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("names `mid/`, but core/src/mid.rs does not exist")),
        "{problems:?}"
    );
}
