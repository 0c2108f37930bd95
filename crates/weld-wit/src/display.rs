//! WIT syntax for single types and functions, for messages and reports
//! (the WIT printer only prints whole packages).

use wit_parser::{Function, FunctionKind, Handle, Resolve, Type, TypeDefKind, TypeId};

/// A type as it is written where it is used: its name when it has one,
/// otherwise its structure (`list<u8>`, `result<_, error-code>`).
pub fn type_name(resolve: &Resolve, ty: &Type) -> String {
    match ty {
        Type::Bool => "bool".into(),
        Type::U8 => "u8".into(),
        Type::U16 => "u16".into(),
        Type::U32 => "u32".into(),
        Type::U64 => "u64".into(),
        Type::S8 => "s8".into(),
        Type::S16 => "s16".into(),
        Type::S32 => "s32".into(),
        Type::S64 => "s64".into(),
        Type::F32 => "f32".into(),
        Type::F64 => "f64".into(),
        Type::Char => "char".into(),
        Type::String => "string".into(),
        Type::ErrorContext => "error-context".into(),
        Type::Id(id) => match &resolve.types[*id].name {
            Some(name) => name.clone(),
            None => anonymous_type(resolve, *id),
        },
    }
}

fn anonymous_type(resolve: &Resolve, id: TypeId) -> String {
    let name = |ty: &Type| type_name(resolve, ty);
    let optional = |ty: &Option<Type>| ty.as_ref().map_or("_".to_owned(), name);
    match &resolve.types[id].kind {
        TypeDefKind::List(ty) => format!("list<{}>", name(ty)),
        TypeDefKind::FixedLengthList(ty, n) => format!("list<{}, {n}>", name(ty)),
        TypeDefKind::Map(k, v) => format!("map<{}, {}>", name(k), name(v)),
        TypeDefKind::Option(ty) => format!("option<{}>", name(ty)),
        TypeDefKind::Result(r) => match (&r.ok, &r.err) {
            (None, None) => "result".into(),
            (Some(ok), None) => format!("result<{}>", name(ok)),
            (ok, Some(err)) => format!("result<{}, {}>", optional(ok), name(err)),
        },
        TypeDefKind::Tuple(t) => {
            let types: Vec<_> = t.types.iter().map(name).collect();
            format!("tuple<{}>", types.join(", "))
        }
        TypeDefKind::Handle(Handle::Own(r)) => name(&Type::Id(*r)),
        TypeDefKind::Handle(Handle::Borrow(r)) => format!("borrow<{}>", name(&Type::Id(*r))),
        TypeDefKind::Future(ty) => match ty {
            Some(ty) => format!("future<{}>", name(ty)),
            None => "future".into(),
        },
        TypeDefKind::Stream(ty) => match ty {
            Some(ty) => format!("stream<{}>", name(ty)),
            None => "stream".into(),
        },
        TypeDefKind::Type(ty) => name(ty),
        // Anonymous records, variants and the like cannot be written in WIT;
        // show their structure instead.
        _ => type_definition(resolve, id),
    }
}

/// A type's definition: `record image { data: list<u8>, width: u32, height: u32 }`.
pub fn type_definition(resolve: &Resolve, id: TypeId) -> String {
    let def = &resolve.types[id];
    let name = def.name.as_deref().unwrap_or("_");
    let ty = |ty: &Type| type_name(resolve, ty);
    let body = match &def.kind {
        TypeDefKind::Record(r) => {
            let fields: Vec<_> = r
                .fields
                .iter()
                .map(|f| format!("{}: {}", f.name, ty(&f.ty)))
                .collect();
            return format!("record {name} {{ {} }}", fields.join(", "));
        }
        TypeDefKind::Variant(v) => {
            let cases: Vec<_> = v
                .cases
                .iter()
                .map(|c| match &c.ty {
                    Some(t) => format!("{}({})", c.name, ty(t)),
                    None => c.name.clone(),
                })
                .collect();
            return format!("variant {name} {{ {} }}", cases.join(", "));
        }
        TypeDefKind::Enum(e) => {
            let cases: Vec<_> = e.cases.iter().map(|c| c.name.as_str()).collect();
            return format!("enum {name} {{ {} }}", cases.join(", "));
        }
        TypeDefKind::Flags(f) => {
            let flags: Vec<_> = f.flags.iter().map(|f| f.name.as_str()).collect();
            return format!("flags {name} {{ {} }}", flags.join(", "));
        }
        TypeDefKind::Resource => return format!("resource {name}"),
        TypeDefKind::Unknown => "unknown".to_owned(),
        _ => anonymous_type(resolve, id),
    };
    format!("type {name} = {body}")
}

/// A function's type in WIT syntax, as written after its name:
/// `func(img: image) -> image`. A method's implicit `self` is left out, a
/// constructor is written `constructor(...)`.
pub fn func_type(resolve: &Resolve, func: &Function) -> String {
    let skip_self = matches!(
        func.kind,
        FunctionKind::Method(_) | FunctionKind::AsyncMethod(_)
    );
    let params: Vec<_> = func
        .params
        .iter()
        .skip(usize::from(skip_self))
        .map(|p| format!("{}: {}", p.name, type_name(resolve, &p.ty)))
        .collect();
    let params = params.join(", ");
    let prefix = match func.kind {
        FunctionKind::Constructor(_) => return format!("constructor({params})"),
        FunctionKind::Static(_) => "static func",
        FunctionKind::AsyncStatic(_) => "static async func",
        FunctionKind::AsyncFreestanding | FunctionKind::AsyncMethod(_) => "async func",
        FunctionKind::Freestanding | FunctionKind::Method(_) => "func",
    };
    match &func.result {
        Some(result) => format!("{prefix}({params}) -> {}", type_name(resolve, result)),
        None => format!("{prefix}({params})"),
    }
}

/// Names in backticks, comma-separated, for messages: `` `a`, `b` ``, or
/// `none` when there are none.
pub fn code_list(items: &[String], none: &str) -> String {
    if items.is_empty() {
        return none.to_owned();
    }
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    quoted.join(", ")
}

/// An error and its causes on one line, `what: why: because`: how weld's
/// libraries quote an error inside another message (a test case's
/// failure, a manifest key's).
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Text for XML (JUnit reports): markup escaped, and the control
/// characters XML 1.0 cannot carry at all replaced.
pub fn xml_escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&apos;".to_owned(),
            c if c.is_control() && !matches!(c, '\n' | '\t' | '\r') => "\u{fffd}".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

/// Text from an input, made safe for a terminal: control characters other
/// than newlines and tabs (ESC, NUL, BEL...) written as escapes, so that a
/// file name or a WIT identifier cannot drive the terminal.
pub fn escape_control(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' | '\t' => c.to_string(),
            c if c.is_control() => c.escape_unicode().to_string(),
            c => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod escape_tests {
    use super::*;

    #[test]
    fn escapes_agree_and_leave_text_alone() {
        assert_eq!(
            xml_escape("a<b & 'c'\u{1b}"),
            "a&lt;b &amp; &apos;c&apos;\u{fffd}"
        );
        assert_eq!(escape_control("a\u{1b}[31m\0b\n"), "a\\u{1b}[31m\\u{0}b\n");
        assert_eq!(escape_control("plain"), "plain");
    }
}
