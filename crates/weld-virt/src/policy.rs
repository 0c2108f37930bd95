//! What to do with each imported function: rules over interfaces (full
//! names, names without a version, last parts or globs such as
//! `wasi:sockets/*`) and functions (`IFACE#FUNC`), resolved against the
//! target's imports.

use crate::allow_fs::FsGuard;
use crate::presets::Wasi;
use crate::{Error, wasi_io};
use weld_wit::access::PathGrant;
use weld_wit::display::code_list;
use weld_wit::names::names_interface;
use weld_wit::wit_parser::{
    Function, Handle, InterfaceId, Resolve, Type, TypeDef, TypeDefKind, TypeOwner, World, WorldItem,
};

/// What a rule does to the functions it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Trap,
    /// Functions returning `result<_, E>` return `err` (the case given, else
    /// the first case of `E` without a payload); others trap.
    Deny {
        case: Option<String>,
    },
    /// Returns this value, written in WAVE.
    Const(String),
    /// Returns a new `wasi:io` object of weld's own (for `get-stdout`, a
    /// clock's `subscribe-duration` and the like).
    Object(Object),
    /// Returns random bytes or numbers from a generator seeded with this.
    Random(u64),
    /// A monotonic clock of weld's own, which starts at 1 ns (Go's runtime
    /// refuses 0) and moves on by as much as the program waits, at once.
    VirtualTime,
    /// `get-directories`: the mounted directories (`Wasi::mounts`).
    Mounts,
    /// `get-environment`: the host's variables whose names match one of
    /// `globs`, then `fixed`, which replace host ones of the same name.
    FilterEnv(EnvFilter),
    /// `wasi:http/outgoing-handler#handle`: a request that no grant allows
    /// gets `HTTP-request-denied` without reaching the host.
    CheckHttp(Vec<weld_wit::http::HttpGrant>),
    /// `wasi:http/client#send` behind `--http-response`: a request a mock's
    /// pattern matches gets its response, made by generated code; others
    /// go on as `otherwise` says.
    MockHttp(MockHttp),
    /// `get-directories`: the host's preopened directories under one of
    /// the grants' prefixes (`--allow-fs`); the others are dropped.
    FilterDirs(Vec<PathGrant>),
    /// The functions of `wasi:filesystem/types` behind `--allow-fs`: no
    /// path may be absolute or climb out of its directory, and, when
    /// `read_only` (some grant is), a read-only directory and what is
    /// opened from it refuse every change.
    GuardFs {
        read_only: bool,
    },
}

/// The mock upstreams of `--http-response`, first match first, and what
/// becomes of the requests none matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockHttp {
    pub mocks: Vec<HttpMock>,
    pub otherwise: Unmocked,
}

/// One `--http-response PATTERN=STATUS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpMock {
    pub pattern: weld_wit::http::HttpGrant,
    pub status: u16,
}

impl std::fmt::Display for HttpMock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}={}", self.pattern, self.status)
    }
}

/// What a request no mock matches gets: the host's `send`, the
/// `--allow-http` check, or `HTTP-request-denied` (`--deny-http`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unmocked {
    Forward,
    Check(Vec<weld_wit::http::HttpGrant>),
    Deny,
}

/// Which of the host's environment variables pass (`--allow-env`), and
/// the fixed ones added to them (`--env`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvFilter {
    /// Globs over names: `*` is any run of bytes, `?` any one.
    pub globs: Vec<String>,
    pub fixed: Vec<(String, String)>,
}

/// weld's own `wasi:io` objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Object {
    /// A stream whose reads and writes fail.
    Failing,
    /// An input stream at its end.
    Empty,
    /// An output stream that swallows what it is given.
    Sink,
    /// A pollable that is always ready.
    Ready,
}

/// `IFACE` or `IFACE#FUNC`, and what to do.
#[derive(Debug, Clone)]
pub struct Rule {
    pub target: String,
    pub action: Action,
}

/// Rules, later ones overriding earlier ones (the WASI presets come
/// first); a rule for a function overrides one for its interface.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub wasi: Wasi,
    pub rules: Vec<Rule>,
    /// Interfaces `deny_all` leaves to the host.
    pub allow: Vec<String>,
    /// Deny every import no rule covers and `allow` does not name.
    pub deny_all: bool,
}

/// What one function of one import does, once the rules are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolved {
    Trap,
    /// Returns this value, in WAVE.
    Const(String),
    /// Returns `err`: the error case with this index, or a bare `err`.
    Err(Option<usize>),
    /// Returns a new handle to weld's own object with this representation.
    Object(i32),
    /// Returns random bytes, or a random `u64`, from a seeded generator.
    Random(u64),
    /// A function of weld's monotonic clock.
    VirtualTime,
    /// The mounted directories.
    Mounts,
    /// The host's environment, filtered.
    FilterEnv(EnvFilter),
    /// The host's function, for requests a grant allows.
    CheckHttp(Vec<weld_wit::http::HttpGrant>),
    /// Mocked responses, else the host's function, checked or denied.
    MockHttp(MockHttp),
    /// The host's directories under the grants' prefixes.
    FilterDirs(Vec<PathGrant>),
    /// The host's function, for the paths and descriptors it may reach.
    GuardFs(FsGuard),
    /// Calls the host's own function.
    Forward,
    /// Calls the function of the same name in this other imported
    /// interface: another version of it (see `bridge`).
    Bridge(String),
}

impl Resolved {
    /// Whether it calls the host's own function, which the virtual
    /// component then imports.
    pub(crate) fn calls_host(&self) -> bool {
        matches!(
            self,
            Resolved::Forward
                | Resolved::FilterEnv(_)
                | Resolved::CheckHttp(_)
                | Resolved::FilterDirs(_)
                | Resolved::GuardFs(_)
                | Resolved::MockHttp(_)
        )
    }

    /// What the report lists of it: the rules of a check or a filter.
    pub(crate) fn rules(&self) -> Vec<String> {
        match self {
            Resolved::CheckHttp(grants) => grants.iter().map(ToString::to_string).collect(),
            Resolved::FilterEnv(filter) => filter.globs.clone(),
            Resolved::FilterDirs(grants) => grants.iter().map(ToString::to_string).collect(),
            Resolved::GuardFs(guard) => guard.rules(),
            Resolved::MockHttp(mock) => {
                let otherwise = match &mock.otherwise {
                    Unmocked::Forward => vec!["otherwise the host's".to_owned()],
                    Unmocked::Check(grants) => grants
                        .iter()
                        .map(|grant| format!("otherwise allowed: {grant}"))
                        .collect(),
                    Unmocked::Deny => vec!["otherwise denied".to_owned()],
                };
                mock.mocks
                    .iter()
                    .map(ToString::to_string)
                    .chain(otherwise)
                    .collect()
            }
            _ => Vec::new(),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Decision {
    pub interface: String,
    pub function: String,
    pub action: Resolved,
    /// What the report calls it.
    pub kind: FunctionAction,
}

/// What the virtual component does for one function, as the report says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FunctionAction {
    /// Returns a constant (or one of weld's own objects).
    Const,
    /// Returns the denial's `err` (or traps, for a function with none).
    Deny,
    Trap,
    /// Calls the host's own function.
    Forward,
    /// Numbers from weld's seeded generator.
    Random,
    /// weld's monotonic clock.
    VirtualTime,
    /// Served from the mounted tree.
    Mount,
    /// The host's answer, filtered inside the component.
    Filter,
    /// The host's function, for what rules checked inside the component
    /// allow.
    Check,
    /// Mocked responses for what patterns match (`--http-response`).
    Mock,
}

use weld_wit::names::matches;

/// Whether `query` names `func`: its WIT name, or a method's name without
/// its `[method]` prefix (`descriptor.read`).
fn names_function(func: &Function, query: &str) -> bool {
    func.name == query
        || func
            .name
            .split_once(']')
            .is_some_and(|(_, short)| short == query)
}

/// What `--deny-all` leaves to the host unasked: the end of the program,
/// and `wasi:io`, which grants nothing by itself (streams and pollables come
/// only from other interfaces) and through which weld's layer passes the
/// host's streams, pollables and errors on.
const IMPLICITLY_ALLOWED: [&str; 2] = ["wasi:cli/exit", "wasi:io/*"];

impl Policy {
    /// Whether `--deny-all` leaves the import `name` to the host.
    fn allowed(&self, name: &str) -> bool {
        self.allow
            .iter()
            .map(String::as_str)
            .chain(IMPLICITLY_ALLOWED)
            .any(|pattern| matches(name, pattern))
    }

    /// The imports to replace, and what each of their functions does. An
    /// import with no functions is replaced too: the virtual component then
    /// defines its types, resources included, and the host's go unused.
    /// `pinned` are the interfaces that must stay the host's: those whose
    /// types the world's own imports use (see [`pinned`]).
    pub(crate) fn decide(
        &self,
        resolve: &Resolve,
        imports: &[(String, InterfaceId)],
        pinned: &[InterfaceId],
    ) -> Result<(Vec<String>, Vec<Decision>), Error> {
        let names: Vec<String> = imports.iter().map(|(n, _)| n.clone()).collect();
        // Every rule must name something.
        for rule in &self.rules {
            let (interface, function) = split(&rule.target);
            let found: Vec<_> = imports
                .iter()
                .filter(|(name, _)| matches(name, interface))
                .collect();
            if found.is_empty() && !interface.contains('*') {
                return Err(Error::NoSuchInterface {
                    rule: rule.target.clone(),
                    imports: code_list(&names, "no interfaces"),
                });
            }
            if let Some(function) = function {
                for (name, id) in found {
                    let functions = &resolve.interfaces[*id].functions;
                    if !functions.values().any(|f| names_function(f, function)) {
                        let all: Vec<String> = functions.keys().cloned().collect();
                        return Err(Error::NoSuchFunction {
                            interface: name.clone(),
                            function: function.to_owned(),
                            functions: code_list(&all, "none"),
                        });
                    }
                }
            }
        }

        let imported = |interface: &str| names.iter().any(|name| matches(name, interface));
        let denied = |interface: &str| {
            self.deny_all
                && imported(interface)
                && !names
                    .iter()
                    .filter(|name| matches(name, interface))
                    .all(|name| self.allowed(name))
        };
        let mut rules = self.wasi.rules(imported, denied);
        rules.extend(self.rules.iter().cloned());
        let mut decisions = Vec::new();
        let mut replaced = Vec::new();
        for (name, id) in imports {
            let interface_rule = rules
                .iter()
                .rev()
                .find(|r| split(&r.target).1.is_none() && matches(name, split(&r.target).0));
            let allowed = self.allowed(name);
            let named =
                interface_rule.is_some() || rules.iter().any(|r| matches(name, split(&r.target).0));
            // An interface the world declares inline has no name a virtual
            // component could export it under: `--deny-all` leaves it to
            // the host (and the report says so); a rule naming it is an
            // error, below.
            let inline = !name.contains(':');
            let covered = named || (self.deny_all && !allowed && !inline && !pinned.contains(id));
            if !covered {
                continue;
            }
            replaced.push(name.clone());
            let default = match interface_rule {
                Some(rule) => Some(&rule.action),
                None if self.deny_all && !allowed => Some(&Action::Deny { case: None }),
                // Functions no rule names, in an interface that rules for
                // some of its functions virtualise, go to the host.
                None => None,
            };
            for func in resolve.interfaces[*id].functions.values() {
                let function_rule = rules.iter().rev().find(|r| {
                    let (interface, function) = split(&r.target);
                    function.is_some_and(|f| names_function(func, f)) && matches(name, interface)
                });
                let decision = match function_rule.map(|r| &r.action).or(default) {
                    Some(action) => resolve_action(resolve, name, func, action)?,
                    None => forward(name, func),
                };
                decisions.push(decision);
            }
        }

        // weld's own objects are resources of wasi:io (and, for mounts, of
        // wasi:filesystem), which the virtual component must then define.
        let before = (replaced.clone(), decisions.clone());
        let mounts = decisions.iter().any(|d| d.action == Resolved::Mounts);
        if decisions.iter().any(Decision::makes_objects) {
            for (name, id) in imports {
                let own = wasi_io::INTERFACES
                    .iter()
                    .chain(mounts.then_some(&"wasi:filesystem/types"))
                    .any(|i| names_interface(name, i));
                if own && !replaced.contains(name) {
                    replaced.push(name.clone());
                    for func in resolve.interfaces[*id].functions.values() {
                        decisions.push(forward(name, func));
                    }
                }
            }
        }
        cascade(resolve, imports, &mut replaced, &mut decisions);
        // Under `--deny-all`, objects that would need an interface the
        // world pins (a world-level `use` of wasi:http's types, whose
        // resources are wasi:io's) are not made: what would have returned
        // one is denied (it traps), rather than the whole component refused.
        let pins = |replaced: &[String]| {
            imports
                .iter()
                .any(|(name, id)| pinned.contains(id) && replaced.contains(name))
        };
        if self.deny_all && pins(&replaced) && !pins(&before.0) {
            (replaced, decisions) = before;
            for decision in decisions.iter_mut().filter(|d| d.makes_objects()) {
                decision.action = Resolved::Trap;
                decision.kind = FunctionAction::Deny;
            }
            cascade(resolve, imports, &mut replaced, &mut decisions);
        }
        let id_of = |name: &String| imports.iter().find(|(n, _)| n == name).map(|(_, id)| *id);
        // A handle given to the host would have to be the host's: a
        // function taking one of the virtual resources cannot be passed on.
        let owned: Vec<InterfaceId> = replaced.iter().filter_map(id_of).collect();
        for decision in &mut decisions {
            let (_, id) = imports
                .iter()
                .find(|(n, _)| *n == decision.interface)
                .expect("decisions are about imports");
            let func = &resolve.interfaces[*id].functions[&decision.function];
            if decision.action == Resolved::Forward && takes_owned(resolve, func, &owned) {
                decision.action = Resolved::Trap;
                decision.kind = FunctionAction::Trap;
            }
        }
        // An import naming another's types without a `use`, or the other:
        // neither can be replaced (see `names_without_use`).
        for (name, id) in imports.iter().filter(|(name, _)| replaced.contains(name)) {
            for (other, other_id) in imports {
                let (user, owner) = if names_without_use(resolve, *id, *other_id) {
                    (name, other)
                } else if names_without_use(resolve, *other_id, *id) {
                    (other, name)
                } else {
                    continue;
                };
                return Err(Error::NamedWithoutUse {
                    interface: name.clone(),
                    user: user.clone(),
                    owner: owner.clone(),
                });
            }
        }
        // A world-level type defined by a replaced interface would be
        // left without its definition: refuse, rather than build a
        // composition that does not validate.
        if let Some((name, _)) = imports
            .iter()
            .find(|(name, id)| pinned.contains(id) && replaced.contains(name))
        {
            return Err(Error::Pinned {
                interface: name.clone(),
            });
        }
        Ok((replaced, decisions))
    }
}

/// The imported interfaces whose types the world's own imports use
/// (`use i.{t}` at the world level, or a world-level function taking
/// one), its exports use (`exported`: see [`used_by_exports`]), or other
/// imports name without a `use` (see [`names_without_use`]), with the
/// interfaces those use in turn: the virtual component cannot stand
/// in for them, since the world-level import, or the result's export,
/// would then name a type internal to the composition.
pub(crate) fn pinned(
    resolve: &Resolve,
    world: &World,
    exported: Vec<InterfaceId>,
) -> Vec<InterfaceId> {
    let mut pinned = exported;
    for item in world.imports.values() {
        match item {
            WorldItem::Type { id, .. } => pinned.extend(type_owner(resolve, *id)),
            WorldItem::Function(func) => pinned.extend(func_owners(resolve, func)),
            WorldItem::Interface { .. } => {}
        }
    }
    let imported: Vec<InterfaceId> = world
        .imports
        .values()
        .filter_map(|item| match item {
            WorldItem::Interface { id, .. } => Some(*id),
            _ => None,
        })
        .collect();
    for &user in &imported {
        for &owner in &imported {
            if names_without_use(resolve, user, owner) {
                pinned.extend([user, owner]);
            }
        }
    }
    // And what those use.
    loop {
        let more: Vec<InterfaceId> = imported
            .iter()
            .copied()
            .filter(|id| !pinned.contains(id) && pinned.iter().any(|p| uses(resolve, *p, *id)))
            .collect();
        if more.is_empty() {
            return pinned;
        }
        pinned.extend(more);
    }
}

/// The interface that defines a type, if an interface does.
fn owner(resolve: &Resolve, ty: &Type) -> Option<InterfaceId> {
    match ty {
        Type::Id(id) => match resolve.types[*id].owner {
            TypeOwner::Interface(interface) => Some(interface),
            _ => None,
        },
        _ => None,
    }
}

/// The interfaces whose types a function takes or returns.
fn func_owners(resolve: &Resolve, func: &Function) -> Vec<InterfaceId> {
    let types = func
        .params
        .iter()
        .map(|p| &p.ty)
        .chain(func.result.as_ref());
    types.filter_map(|ty| owner(resolve, ty)).collect()
}

/// The interface a `use`d type (`type t = i.t`) comes from.
fn type_owner(resolve: &Resolve, id: weld_wit::wit_parser::TypeId) -> Option<InterfaceId> {
    match &resolve.types[id].kind {
        TypeDefKind::Type(used) => owner(resolve, used),
        _ => None,
    }
}

/// The imports, by name, whose types a component's exports use: an
/// exported interface that `use`s one, or a world-level export taking one.
/// The result exports them, so those types must stay its imports.
pub(crate) fn used_by_exports(wit: &weld_wit::Wit) -> Vec<String> {
    let Some(world) = wit.world else {
        return Vec::new();
    };
    let (resolve, world) = (&wit.resolve, &wit.resolve.worlds[world]);
    let mut used = Vec::new();
    for item in world.exports.values() {
        match item {
            WorldItem::Type { id, .. } => used.extend(type_owner(resolve, *id)),
            WorldItem::Function(func) => used.extend(func_owners(resolve, func)),
            WorldItem::Interface { id, .. } => {
                let interface = &resolve.interfaces[*id];
                let types = interface
                    .types
                    .values()
                    .filter_map(|t| type_owner(resolve, *t));
                let funcs = interface
                    .functions
                    .values()
                    .flat_map(|f| func_owners(resolve, f));
                used.extend(types.chain(funcs).filter(|owner| owner != id));
            }
        }
    }
    world
        .imports
        .iter()
        .filter_map(|(key, item)| match item {
            WorldItem::Interface { id, .. } if used.contains(id) => {
                Some(resolve.name_world_key(key))
            }
            _ => None,
        })
        .collect()
}

impl Decision {
    /// Whether the virtual component makes objects of its own for it.
    pub(crate) fn makes_objects(&self) -> bool {
        matches!(
            self.action,
            Resolved::Object(_) | Resolved::VirtualTime | Resolved::Mounts
        )
    }
}

/// The resources of a replaced interface are the virtual component's own,
/// so every import using them must come from it too, passing its calls on
/// to the host.
fn cascade(
    resolve: &Resolve,
    imports: &[(String, InterfaceId)],
    replaced: &mut Vec<String>,
    decisions: &mut Vec<Decision>,
) {
    let id_of = |name: &String| imports.iter().find(|(n, _)| n == name).map(|(_, id)| *id);
    loop {
        let owners: Vec<InterfaceId> = replaced
            .iter()
            .filter_map(id_of)
            .filter(|id| defines_resources(resolve, *id))
            .collect();
        let Some((name, id)) = imports.iter().find(|(name, id)| {
            !replaced.contains(name) && owners.iter().any(|owner| uses(resolve, *id, *owner))
        }) else {
            break;
        };
        replaced.push(name.clone());
        for func in resolve.interfaces[*id].functions.values() {
            decisions.push(forward(name, func));
        }
    }
}

fn forward(interface: &str, func: &Function) -> Decision {
    Decision {
        interface: interface.to_owned(),
        function: func.name.clone(),
        action: Resolved::Forward,
        kind: FunctionAction::Forward,
    }
}

/// Whether an interface defines a resource.
fn defines_resources(resolve: &Resolve, id: InterfaceId) -> bool {
    resolve.interfaces[id]
        .types
        .values()
        .any(|ty| resolve.types[*ty].kind == TypeDefKind::Resource)
}

/// Whether interface `user` uses types of interface `owner`.
fn uses(resolve: &Resolve, user: InterfaceId, owner: InterfaceId) -> bool {
    resolve.interfaces[user].types.values().any(|ty| {
        matches!(resolve.types[*ty].kind, TypeDefKind::Type(Type::Id(used))
            if resolve.types[used].owner == TypeOwner::Interface(owner))
    })
}

/// Whether the functions of interface `user` take or return, at any
/// depth, a type of interface `owner` that `user` does not `use`. WIT
/// cannot say that, but a component can: its instance type names the
/// type from outside without exporting it. wit-component cannot encode
/// such a `user` in the virtual component, and left the host's it would
/// name a type only the virtual component defines: both must stay the
/// host's.
fn names_without_use(resolve: &Resolve, user: InterfaceId, owner: InterfaceId) -> bool {
    if user == owner || uses(resolve, user, owner) {
        return false;
    }
    let owned = |def: &TypeDef| def.owner == TypeOwner::Interface(owner);
    resolve.interfaces[user].functions.values().any(|func| {
        func.params
            .iter()
            .map(|p| &p.ty)
            .chain(func.result.as_ref())
            .any(|ty| holds(resolve, ty, &owned))
    })
}

/// `IFACE#FUNC` into its parts.
fn split(target: &str) -> (&str, Option<&str>) {
    match target.split_once('#') {
        Some((interface, function)) => (interface, Some(function)),
        None => (target, None),
    }
}

/// A denial becomes a constant `err`, or a trap.
fn resolve_action(
    resolve: &Resolve,
    interface: &str,
    func: &Function,
    action: &Action,
) -> Result<Decision, Error> {
    let decision = |action, kind| Decision {
        interface: interface.to_owned(),
        function: func.name.clone(),
        action,
        kind,
    };
    Ok(match action {
        Action::Trap => decision(Resolved::Trap, FunctionAction::Trap),
        Action::Const(value) => decision(Resolved::Const(value.clone()), FunctionAction::Const),
        Action::Object(object) => {
            let rep = match object {
                Object::Failing => wasi_io::FAILING,
                Object::Empty => wasi_io::EMPTY,
                Object::Sink => wasi_io::SINK,
                Object::Ready => wasi_io::READY,
            };
            decision(Resolved::Object(rep), FunctionAction::Const)
        }
        Action::Random(seed) => decision(Resolved::Random(*seed), FunctionAction::Random),
        Action::VirtualTime => decision(Resolved::VirtualTime, FunctionAction::VirtualTime),
        Action::Mounts => decision(Resolved::Mounts, FunctionAction::Mount),
        Action::FilterEnv(filter) => {
            decision(Resolved::FilterEnv(filter.clone()), FunctionAction::Filter)
        }
        Action::CheckHttp(grants) => {
            decision(Resolved::CheckHttp(grants.clone()), FunctionAction::Check)
        }
        // WASI 0.2's `handle` returns host resources (a
        // `future-incoming-response`) that no generated code can make.
        Action::MockHttp(_) if !func.kind.is_async() && func.name == "handle" => {
            return Err(Error::Setting {
                setting: "--http-response".to_owned(),
                message: format!(
                    "`{interface}#handle` is WASI 0.2's, whose responses are the host's resources, which weld cannot make; mocks work on WASI 0.3's `wasi:http/client#send`"
                ),
            });
        }
        Action::MockHttp(mock) => decision(Resolved::MockHttp(mock.clone()), FunctionAction::Mock),
        Action::FilterDirs(grants) => {
            decision(Resolved::FilterDirs(grants.clone()), FunctionAction::Filter)
        }
        // What the function does that a grant may refuse; nothing, and it
        // is the host's as it is.
        Action::GuardFs { read_only } => match FsGuard::of(func, *read_only) {
            Some(guard) => decision(Resolved::GuardFs(guard), FunctionAction::Check),
            None => forward(interface, func),
        },
        Action::Deny { case } => match denial(resolve, func, case.as_deref()) {
            Some(Ok(case)) => decision(Resolved::Err(case), FunctionAction::Deny),
            Some(Err(cases)) => {
                return Err(Error::ErrorCase {
                    function: format!("{interface}#{}", func.name),
                    case: case.clone().unwrap_or_default(),
                    cases,
                });
            }
            None => decision(Resolved::Trap, FunctionAction::Deny),
        },
    })
}

/// For a function returning `result<_, E>`: the index of the error case
/// to return (None for a bare `err`), or the cases to choose from when
/// `case` is not one. None for other functions.
pub(crate) fn denial(
    resolve: &Resolve,
    func: &Function,
    case: Option<&str>,
) -> Option<Result<Option<usize>, String>> {
    let Type::Id(id) = outcome(resolve, func.result?)? else {
        return None;
    };
    let TypeDefKind::Result(result) = &follow(resolve, id).kind else {
        return None;
    };
    let Some(Type::Id(error)) = result.err else {
        return match result.err {
            None => Some(Ok(None)),
            // `result<_, string>` and the like: no case to choose.
            Some(_) => None,
        };
    };
    // The cases without a payload, with their indices.
    let cases: Vec<(usize, String)> = match &follow(resolve, error).kind {
        TypeDefKind::Enum(e) => e.cases.iter().map(|c| c.name.clone()).enumerate().collect(),
        TypeDefKind::Variant(v) => v
            .cases
            .iter()
            .enumerate()
            .filter(|(_, c)| c.ty.is_none())
            .map(|(i, c)| (i, c.name.clone()))
            .collect(),
        _ => return None,
    };
    match case {
        Some(case) => Some(match cases.iter().find(|(_, c)| c == case) {
            Some((i, _)) => Ok(Some(*i)),
            None => Err(code_list(
                &cases.into_iter().map(|(_, c)| c).collect::<Vec<_>>(),
                "none",
            )),
        }),
        // An error type whose cases all carry a payload: the function traps.
        None => cases.first().map(|(i, _)| Ok(Some(*i))),
    }
}

/// The `result` type that says how a function went: its result, or for a
/// WASI 0.3 function, the one its future holds (`future<result<_, E>>`,
/// alone or last in a tuple beside a stream).
pub(crate) fn outcome(resolve: &Resolve, ty: Type) -> Option<Type> {
    let Type::Id(id) = ty else {
        return Some(ty);
    };
    match &follow(resolve, id).kind {
        TypeDefKind::Future(Some(payload)) => Some(*payload),
        TypeDefKind::Tuple(tuple) => match tuple.types.last() {
            Some(Type::Id(last)) => match &follow(resolve, *last).kind {
                TypeDefKind::Future(Some(payload)) => Some(*payload),
                _ => Some(ty),
            },
            _ => Some(ty),
        },
        _ => Some(ty),
    }
}

/// Whether a function takes an owned handle (not a borrowed one) to a
/// resource of one of the interfaces `owners`.
fn takes_owned(resolve: &Resolve, func: &Function, owners: &[InterfaceId]) -> bool {
    let owned = |def: &TypeDef| match &def.kind {
        TypeDefKind::Handle(Handle::Own(resource)) => {
            let resource = follow(resolve, *resource);
            matches!(resource.owner, TypeOwner::Interface(owner) if owners.contains(&owner))
        }
        _ => false,
    };
    func.params.iter().any(|p| holds(resolve, &p.ty, &owned))
}

/// Whether a value of `ty` holds, at any depth, a type whose definition
/// is `found`.
pub(crate) fn holds(resolve: &Resolve, ty: &Type, found: &dyn Fn(&TypeDef) -> bool) -> bool {
    fn walk(resolve: &Resolve, ty: &Type, found: &dyn Fn(&TypeDef) -> bool, depth: usize) -> bool {
        let Type::Id(id) = ty else {
            return false;
        };
        if depth > 64 {
            return false;
        }
        let inner = |ty: &Type| walk(resolve, ty, found, depth + 1);
        let def = &resolve.types[*id];
        found(def)
            || match &def.kind {
                TypeDefKind::Type(ty) | TypeDefKind::List(ty) | TypeDefKind::Option(ty) => {
                    inner(ty)
                }
                TypeDefKind::FixedLengthList(ty, _) => inner(ty),
                TypeDefKind::Map(key, value) => inner(key) || inner(value),
                TypeDefKind::Record(r) => r.fields.iter().any(|f| inner(&f.ty)),
                TypeDefKind::Tuple(t) => t.types.iter().any(inner),
                TypeDefKind::Variant(v) => v.cases.iter().filter_map(|c| c.ty.as_ref()).any(inner),
                TypeDefKind::Result(r) => r.ok.iter().chain(&r.err).any(inner),
                TypeDefKind::Future(ty) | TypeDefKind::Stream(ty) => ty.iter().any(inner),
                _ => false,
            }
    }
    walk(resolve, ty, found, 0)
}

/// A type definition, through `type a = b` aliases.
fn follow(
    resolve: &Resolve,
    mut id: weld_wit::wit_parser::TypeId,
) -> &weld_wit::wit_parser::TypeDef {
    loop {
        match &resolve.types[id].kind {
            TypeDefKind::Type(Type::Id(next)) => id = *next,
            _ => return &resolve.types[id],
        }
    }
}
