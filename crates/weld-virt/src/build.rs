//! The virtual component itself: the bodies of its functions, chosen by
//! the policy's decisions, its static data, and the core module wrapped by
//! wit-component.

use crate::layout::{Data, Flat, Layout};
use crate::module::{self, Body};
use crate::policy::{self, Decision, Resolved};
use crate::{Error, mount, wasi_io};
use std::collections::HashMap;
use weld_wit::wit_parser::abi::{AbiVariant, WasmType};
use weld_wit::wit_parser::{
    self, Function, LiftLowerAbi, ManglingAndAbi, Resolve, ResourceIntrinsic, WasmExport,
    WasmExportKind, WasmImport, WorldItem,
};

/// What some functions do around the call they pass on: report it to
/// `weld:trace/tap` (`weld trace`), or take its arguments from the host
/// (`weld invoke`, see `arguments`).
#[derive(Debug, Default)]
pub(crate) struct Around {
    /// The tapped functions, each with its site: (interface, function) →
    /// site.
    pub taps: HashMap<(String, String), u32>,
    /// The fed functions: (interface, function).
    pub fed: Vec<(String, String)>,
}

impl Around {
    /// `enter` and `exit` of `weld:trace/tap`, which `resolve` must hold
    /// when any function is tapped.
    fn tap_imports(&self, resolve: &Resolve) -> Result<Option<[module::Import; 2]>, Error> {
        if self.taps.is_empty() {
            return Ok(None);
        }
        let tap = |name| host_function(resolve, crate::trace::TAP, name);
        Ok(Some([tap("enter")?, tap("exit")?]))
    }

    /// `get` of `weld:invoke/arguments`, which `resolve` must hold when
    /// any function is fed.
    fn get_import(&self, resolve: &Resolve) -> Result<Option<module::Import>, Error> {
        match self.fed.is_empty() {
            true => Ok(None),
            false => host_function(resolve, crate::arguments::INTERFACE, "get").map(Some),
        }
    }
}

/// The core import of function `name` of the host's `interface`.
fn host_function(
    resolve: &Resolve,
    interface_name: &str,
    name: &str,
) -> Result<module::Import, Error> {
    let missing = || Error::Build(format!("no `{interface_name}#{name}` to import").into());
    let (id, interface) = resolve
        .interfaces
        .iter()
        .find(|(id, _)| resolve.id_of(*id).as_deref() == Some(interface_name))
        .ok_or_else(missing)?;
    let func = interface.functions.get(name).ok_or_else(missing)?;
    let key = wit_parser::WorldKey::Interface(id);
    let signature = resolve.wasm_signature(AbiVariant::GuestImport, func);
    let (module, name) = resolve.wasm_import_name(
        ManglingAndAbi::Legacy(LiftLowerAbi::Sync),
        WasmImport::Func {
            interface: Some(&key),
            func,
        },
    );
    Ok(module::Import {
        module,
        name,
        params: signature.params,
        results: signature.results,
    })
}

/// The virtual component for `world`, with one function per decision,
/// and what `around` says around some calls.
pub(crate) fn build(
    resolve: &Resolve,
    world_id: wit_parser::WorldId,
    decisions: &[Decision],
    tree: Option<&mount::Tree>,
    around: &Around,
) -> Result<Vec<u8>, Error> {
    let tap_imports = around.tap_imports(resolve)?;
    let get_import = around.get_import(resolve)?;
    let layout = Layout::new(resolve);
    let mut data = Data::default();
    let mangling = ManglingAndAbi::Legacy(LiftLowerAbi::Sync);
    let world = &resolve.worlds[world_id];

    // The resources of the interfaces the component replaces are its own:
    // handles of weld's objects, or (for the interfaces it passes calls on
    // for, which it imports too) wrapping the host's.
    let mut owned: Vec<wit_parser::TypeId> = Vec::new();
    let mut resources = Vec::new();
    for (key, item) in &world.exports {
        let WorldItem::Interface { id, .. } = item else {
            continue;
        };
        let imported = world.imports.contains_key(key);
        for ty in resolve.interfaces[*id].types.values() {
            if resolve.types[*ty].kind != wit_parser::TypeDefKind::Resource {
                continue;
            }
            let intrinsic = |intrinsic, results: Vec<WasmType>| {
                let (module, name) = resolve.wasm_import_name(
                    mangling,
                    WasmImport::ResourceIntrinsic {
                        interface: Some(key),
                        resource: *ty,
                        intrinsic,
                    },
                );
                module::Import {
                    module,
                    name,
                    params: vec![WasmType::I32],
                    results,
                }
            };
            owned.push(*ty);
            resources.push(module::Resource {
                new: intrinsic(ResourceIntrinsic::ExportedNew, vec![WasmType::I32]),
                drop: imported.then(|| {
                    let dtor = resolve.wasm_export_name(
                        mangling,
                        WasmExport::ResourceDtor {
                            interface: key,
                            resource: *ty,
                        },
                    );
                    (intrinsic(ResourceIntrinsic::ImportedDrop, Vec::new()), dtor)
                }),
            });
        }
    }
    let resource_index = |ty: wit_parser::TypeId| owned.iter().position(|o| *o == ty);
    // Whether weld's own objects are in use.
    let objects = decisions.iter().any(Decision::makes_objects);
    let tables = match tree {
        Some(tree) => Some(lay_out_tree(&layout, &mut data, resolve, world, tree)?),
        None => None,
    };

    let mut exports = Vec::new();
    for (key, item) in &world.exports {
        let WorldItem::Interface { id, .. } = item else {
            continue;
        };
        let interface = resolve.name_world_key(key);
        for func in resolve.interfaces[*id].functions.values() {
            let decision = decisions
                .iter()
                .find(|d| d.interface == interface && d.function == func.name);
            // The host's own function, called as it is.
            let to_host = || {
                forward(
                    &layout,
                    resolve,
                    (Some(key), func),
                    (Some(key), func),
                    &resource_index,
                    false,
                )
            };
            let refuse = |data: &mut Data, outcome| {
                refusal(&layout, data, resolve, world, key, func, outcome)
            };
            // `err` with the error case named `case`: refused, for a
            // function that owns what it is given, or returned.
            let denied = |data: &mut Data, case: &str| {
                let case = policy::denial(resolve, func, Some(case))
                    .and_then(Result::ok)
                    .flatten();
                match refuse(data, Outcome::Err(case)) {
                    Some(refusal) => Body::Refuse(refusal),
                    None => error(&layout, data, func, case),
                }
            };
            // The request checked against `grants`: the host's function, or
            // `HTTP-request-denied`.
            let checked = |data: &mut Data, grants: &[weld_wit::http::HttpGrant]| {
                let denied = denied(data, "HTTP-request-denied");
                Ok::<_, Error>(Body::CheckHttp {
                    check: Box::new(http_check(&layout, data, resolve, func, grants)?),
                    allowed: Box::new(to_host()?),
                    denied: Box::new(denied),
                })
            };
            let body = match decision.map(|d| &d.action) {
                Some(Resolved::Const(value)) => {
                    constant(&layout, &mut data, resolve, &interface, func, value)?
                }
                Some(Resolved::Err(case)) => match refuse(&mut data, Outcome::Err(*case)) {
                    Some(refusal) => Body::Refuse(refusal),
                    None => error(&layout, &mut data, func, *case),
                },
                // A WASI 0.3 stream of weld's (an empty stdin): one that
                // has ended.
                Some(Resolved::Object(rep))
                    if let Some(refusal) = refuse(
                        &mut data,
                        match *rep {
                            wasi_io::EMPTY => Outcome::Ok,
                            _ => Outcome::Err(None),
                        },
                    ) =>
                {
                    Body::Refuse(refusal)
                }
                Some(Resolved::Random(seed)) => Body::Random {
                    seed: *seed,
                    // `get-random-bytes(len)` and the like take a length.
                    bytes: !func.params.is_empty(),
                },
                Some(Resolved::VirtualTime) => {
                    let ready = owned
                        .iter()
                        .position(|r| resolve.types[*r].name.as_deref() == Some("pollable"));
                    match (func.name.as_str(), ready) {
                        ("now", _) => Body::Now,
                        // WASI 0.3: an `async func`, lifted sync, that
                        // completes at once.
                        ("wait-for" | "wait-until", _) => Body::Advance {
                            to: func.name == "wait-until",
                            then: Box::new(Body::Nothing),
                        },
                        ("subscribe-duration" | "subscribe-instant", Some(resource)) => {
                            Body::Advance {
                                to: func.name == "subscribe-instant",
                                then: Box::new(Body::Object {
                                    resource,
                                    rep: wasi_io::READY,
                                }),
                            }
                        }
                        _ => Body::Trap,
                    }
                }
                Some(Resolved::Mounts) => {
                    mounted_directories(&mut data, func, tree, &owned, resolve)?
                }
                Some(Resolved::Object(rep)) => {
                    let resource = func
                        .result
                        .map(|ty| layout.fixes(&ty, 0, &resource_index))
                        .and_then(|fixes| match fixes[..] {
                            [module::Fix::Handle { resource, .. }] => Some(resource),
                            _ => None,
                        })
                        .ok_or_else(|| {
                            Error::Build(format!("`{}` returns no stream", func.name).into())
                        })?;
                    Body::Object {
                        resource,
                        rep: *rep,
                    }
                }
                Some(Resolved::FilterEnv(filter)) => filter_env(&mut data, to_host()?, filter),
                Some(Resolved::CheckHttp(grants)) => checked(&mut data, grants)?,
                Some(Resolved::MockHttp(mock)) => {
                    let mut body = match &mock.otherwise {
                        policy::Unmocked::Forward => to_host()?,
                        policy::Unmocked::Check(grants) => checked(&mut data, grants)?,
                        policy::Unmocked::Deny => denied(&mut data, "HTTP-request-denied"),
                    };
                    // The first match wins: the checks nest, the first
                    // outermost.
                    for one in mock.mocks.iter().rev() {
                        let pattern = std::slice::from_ref(&one.pattern);
                        body = Body::CheckHttp {
                            check: Box::new(http_check(
                                &layout, &mut data, resolve, func, pattern,
                            )?),
                            allowed: Box::new(mock_response(
                                &layout, &mut data, resolve, func, one.status,
                            )?),
                            denied: Box::new(body),
                        };
                    }
                    body
                }
                Some(Resolved::FilterDirs(grants)) => {
                    let body = filter_dirs(
                        &layout,
                        &mut data,
                        func,
                        unwrapped(to_host()?),
                        grants,
                        &resource_index,
                    )?;
                    // The directories it leaves out are dropped: the
                    // host's descriptors must be imported.
                    match body {
                        Body::FilterDirs { resource, .. } if resources[resource].drop.is_none() => {
                            return Err(Error::Build(
                                "`--allow-fs` drops the host's descriptors it does not pass on, but wasi:filesystem/types is not the host's here".into(),
                            ));
                        }
                        body => body,
                    }
                }
                Some(Resolved::GuardFs(guard)) => {
                    // Each refusal only where it can happen: a function may
                    // refuse only once what it owns.
                    let outside = match guard.paths {
                        true => denied(&mut data, "access"),
                        false => Body::Trap,
                    };
                    let read_only = match guard.changes {
                        true => denied(&mut data, "read-only"),
                        false => Body::Trap,
                    };
                    guard_fs(
                        &layout,
                        resolve,
                        func,
                        guard,
                        [outside, read_only],
                        to_host()?,
                        &resource_index,
                    )?
                }
                Some(Resolved::Forward) => to_host()?,
                Some(Resolved::Bridge(from)) => {
                    let from = world
                        .imports
                        .iter()
                        .find_map(|(import, item)| match item {
                            WorldItem::Interface { id, .. }
                                if resolve.name_world_key(import) == *from =>
                            {
                                Some((import, resolve.interfaces[*id].functions.get(&func.name)?))
                            }
                            _ => None,
                        })
                        .ok_or_else(|| {
                            Error::Build(format!("`{from}` has no `{}`", func.name).into())
                        })?;
                    // A sync function may not block, as a sync call to an
                    // async one may: it calls it async.
                    let async_call = from.1.kind.is_async() && !func.kind.is_async();
                    forward(
                        &layout,
                        resolve,
                        (Some(from.0), from.1),
                        (Some(key), func),
                        &resource_index,
                        async_call,
                    )?
                }
                _ => Body::Trap,
            };
            let body = if objects {
                let context = Objects {
                    layout: &layout,
                    resolve,
                    owned: &owned,
                    mounted: tree.is_some(),
                };
                on_objects(&context, &mut data, &interface, func, body)?
            } else {
                body
            };
            let signature = resolve.wasm_signature(AbiVariant::GuestExport, func);
            let key_of = (interface.clone(), func.name.clone());
            let body = fed(around, &get_import, &key_of, resolve, func, body);
            let site = around.taps.get(&key_of);
            let body = match (site, &tap_imports) {
                (Some(site), Some([enter, exit])) => Body::Tap(Box::new(module::Tap {
                    site: *site,
                    inner: body,
                    params: signature.params.clone(),
                    enter: enter.clone(),
                    exit: exit.clone(),
                })),
                _ => body,
            };
            exports.push(module::Export {
                name: resolve.wasm_export_name(
                    mangling,
                    WasmExport::Func {
                        interface: Some(key),
                        func,
                        kind: WasmExportKind::Normal,
                    },
                ),
                signature,
                body,
            });
        }
    }
    // Functions the world exports itself (the argument layer's, whose
    // interface is ""): passed on.
    for item in world.exports.values() {
        let WorldItem::Function(func) = item else {
            continue;
        };
        let body = forward(
            &layout,
            resolve,
            (None, func),
            (None, func),
            &resource_index,
            false,
        )?;
        let key_of = (String::new(), func.name.clone());
        let body = fed(around, &get_import, &key_of, resolve, func, body);
        let name = resolve.wasm_export_name(
            mangling,
            WasmExport::Func {
                interface: None,
                func,
                kind: WasmExportKind::Normal,
            },
        );
        exports.push(module::Export {
            name,
            signature: resolve.wasm_signature(AbiVariant::GuestExport, func),
            body,
        });
    }
    let mut bytes = module::encode(
        &data,
        &exports,
        &resources,
        tables,
        &resolve.wasm_export_name(mangling, WasmExport::Memory),
        &resolve.wasm_export_name(mangling, WasmExport::Realloc),
    );
    // wit-component asserts on some worlds (a type used without `use`, as
    // a component may declare): an error, not a panic.
    weld_wit::guard::guarded("wit-component", || {
        wit_component::embed_component_metadata(
            &mut bytes,
            resolve,
            world_id,
            wit_component::StringEncoding::UTF8,
        )?;
        wit_component::ComponentEncoder::default()
            .module(&bytes)?
            .validate(true)
            .encode()
    })
    .map_err(|message| Error::Build(message.into()))?
    .map_err(|e| Error::Build(format!("{e:#}").into()))
}

/// `body`, a forward, with the callee's arguments from the host when
/// `around` feeds the function (`key_of`: interface, function).
fn fed(
    around: &Around,
    get_import: &Option<module::Import>,
    key_of: &(String, String),
    resolve: &Resolve,
    func: &Function,
    body: Body,
) -> Body {
    match (around.fed.contains(key_of), get_import, body) {
        (true, Some(get), body @ Body::Forward { .. }) => Body::Fed(Box::new(module::Fed {
            get: get.clone(),
            params: crate::arguments::flat_params(resolve, func),
            inner: body,
        })),
        (_, _, body) => body,
    }
}

/// What the bodies of functions on weld's objects need to know.
struct Objects<'a> {
    layout: &'a Layout<'a>,
    resolve: &'a Resolve,
    /// The resources the virtual component defines.
    owned: &'a [wit_parser::TypeId],
    /// Whether a tree is mounted.
    mounted: bool,
}

/// `body`, for a function that may be called on weld's own objects: what
/// it does on them, else `body`; and `poll`, for which they are ready.
fn on_objects(
    context: &Objects<'_>,
    data: &mut Data,
    interface: &str,
    func: &Function,
    body: Body,
) -> Result<Body, Error> {
    let Objects {
        layout,
        resolve,
        owned,
        mounted,
    } = *context;
    use wit_parser::{Handle, Type, TypeDefKind};
    if weld_wit::names::unversioned(interface) == "wasi:io/poll" && func.name == "poll" {
        return Ok(Body::Poll {
            host: Box::new(body),
        });
    }
    // The first parameter, a handle borrowed from one of weld's wasi:io
    // resources.
    let borrowed = func.params.first().and_then(|p| match p.ty {
        Type::Id(id) => match resolve.types[id].kind {
            TypeDefKind::Handle(Handle::Borrow(mut r)) => {
                // Through `use`: the resource itself.
                while let TypeDefKind::Type(Type::Id(next)) = resolve.types[r].kind {
                    r = next;
                }
                Some(r)
            }
            _ => None,
        },
        _ => None,
    });
    let Some(resource) = borrowed.filter(|r| owned.contains(r)) else {
        return Ok(body);
    };
    let resource_interface = match resolve.types[resource].owner {
        wit_parser::TypeOwner::Interface(id) => resolve.id_of(id).unwrap_or_default(),
        _ => String::new(),
    };
    let resource_index = |ty: wit_parser::TypeId| owned.iter().position(|o| *o == ty);
    let find = |name: &str| {
        owned
            .iter()
            .position(|r| resolve.types[*r].name.as_deref() == Some(name))
    };
    let mut objects = Vec::new();
    for &rep in wasi_io::objects(&resource_interface) {
        let Some(behaviour) = wasi_io::behaviour(interface, &func.name, rep) else {
            continue;
        };
        let result = func.result;
        let body = match behaviour {
            wasi_io::Behaviour::Ok(value) => match result {
                Some(ty) => Body::Return(Flat::I32(layout.place_ok(data, &ty, value) as i32)),
                None => Body::Nothing,
            },
            wasi_io::Behaviour::Err(case) => match result {
                Some(ty) => {
                    let index = layout.error_case(&ty, case);
                    Body::Return(Flat::I32(layout.place_err(data, &ty, index) as i32))
                }
                None => Body::Trap,
            },
            wasi_io::Behaviour::Failure => {
                let Some(ty) = result else {
                    continue;
                };
                // err(last-operation-failed(weld's error)).
                let address = layout.place_err(data, &ty, Some(0));
                let handle = failure_handle(&layout.fixes(&ty, 0, &resource_index));
                match (handle, find("error")) {
                    (Some((offset, resource)), Some(_)) => Body::Template {
                        address,
                        handles: vec![(offset, resource, wasi_io::DENIAL)],
                    },
                    _ => continue,
                }
            }
            wasi_io::Behaviour::Object(name, rep) => match find(name) {
                Some(resource) => Body::Object { resource, rep },
                None => continue,
            },
            wasi_io::Behaviour::True => Body::Return(Flat::I32(1)),
            wasi_io::Behaviour::Nothing => Body::Nothing,
            wasi_io::Behaviour::Message => constant(
                layout,
                data,
                resolve,
                interface,
                func,
                &format!("{:?}", wasi_io::DENIAL_MESSAGE),
            )?,
        };
        objects.push((rep, body));
    }
    // What a mounted tree's descriptors and streams do, or a denial does,
    // on any other of weld's objects.
    let tree_op = match mounted {
        true => mount::body(layout, data, interface, func, &find),
        false => None,
    };
    let other = match tree_op
        .map(Ok)
        .unwrap_or_else(|| Err(policy::denial(resolve, func, None)))
    {
        Ok(body) => body,
        Err(denial) => match denial {
            Some(Ok(case)) => error(layout, data, func, case),
            _ => match func.result {
                Some(ty) => layout
                    .place_empty(data, &ty, "none")
                    .map_or(Body::Trap, |address| {
                        Body::Return(Flat::I32(address as i32))
                    }),
                None => Body::Trap,
            },
        },
    };
    Ok(Body::Dispatch {
        objects,
        other: Box::new(other),
        host: Box::new(body),
    })
}

/// Lays the mounted tree out in static data, with the results its
/// operations return, precomputed.
fn lay_out_tree(
    layout: &Layout<'_>,
    data: &mut Data,
    resolve: &Resolve,
    world: &wit_parser::World,
    tree: &mount::Tree,
) -> Result<module::MountTables, Error> {
    let result_of = |name: &str| {
        world.exports.values().find_map(|item| match item {
            WorldItem::Interface { id, .. } => resolve.interfaces[*id]
                .functions
                .get(name)
                .and_then(|f| f.result),
            _ => None,
        })
    };
    let results = mount::Results {
        stat: result_of("[method]descriptor.stat")
            .or_else(|| result_of("[method]descriptor.stat-at")),
        get_type: result_of("[method]descriptor.get-type"),
        hash: result_of("[method]descriptor.metadata-hash")
            .or_else(|| result_of("[method]descriptor.metadata-hash-at")),
        entry: result_of("[method]directory-entry-stream.read-directory-entry"),
    };
    let table = tree
        .lay_out(layout, data, &results)
        .map_err(|e| Error::Build(e.into()))?;
    let parents_list = tree.parents();
    let parents = data.alloc(parents_list.len() * 4, 4);
    for (i, parent) in parents_list.iter().enumerate() {
        data.put(parents + i as u32 * 4, &parent.to_le_bytes());
    }
    let slots = data.alloc(mount::SLOTS as usize * 16, 8);
    Ok(module::MountTables {
        table,
        parents,
        slots,
    })
}

/// `get-directories`: the mounts, each a new descriptor of weld's.
fn mounted_directories(
    data: &mut Data,
    func: &Function,
    tree: Option<&mount::Tree>,
    owned: &[wit_parser::TypeId],
    resolve: &Resolve,
) -> Result<Body, Error> {
    let descriptor = owned
        .iter()
        .position(|r| resolve.types[*r].name.as_deref() == Some("descriptor"));
    let (Some(tree), Some(descriptor), Some(_)) = (tree, descriptor, func.result) else {
        return Err(Error::Build("no descriptors to mount with".into()));
    };
    // list<tuple<own<descriptor>, string>>: the list's pointer and length,
    // then its elements.
    let address = data.alloc(8, 4);
    let elements = data.alloc(tree.roots.len() * 12, 4);
    data.put(address, &elements.to_le_bytes());
    data.put(address + 4, &(tree.roots.len() as u32).to_le_bytes());
    let mut handles = Vec::new();
    for (i, (node, guest)) in tree.roots.iter().enumerate() {
        let element = elements + i as u32 * 12;
        let name = data.alloc(guest.len(), 1);
        data.put(name, guest.as_bytes());
        data.put(element + 4, &name.to_le_bytes());
        data.put(element + 8, &(guest.len() as u32).to_le_bytes());
        handles.push((element - address, descriptor, -(mount::BASE + *node as i32)));
    }
    Ok(Body::Template { address, handles })
}

/// Where the handle of `err(last-operation-failed(handle))` lies: the
/// handle in case 0 of the variant in case 1 of the result.
fn failure_handle(fixes: &[module::Fix]) -> Option<(u32, usize)> {
    let case = |fixes: &[module::Fix], index: u32| {
        fixes.iter().find_map(|fix| match fix {
            module::Fix::Variant { cases, .. } => cases
                .iter()
                .find(|(case, _)| *case == index)
                .map(|(_, fixes)| fixes.clone()),
            _ => None,
        })
    };
    let inner = case(&case(fixes, 1)?, 0)?;
    inner.iter().find_map(|fix| match fix {
        module::Fix::Handle { offset, resource } => Some((*offset, *resource)),
        _ => None,
    })
}

/// The WAVE type of a WIT type.
pub(crate) fn wave_type(
    resolve: &Resolve,
    ty: &wit_parser::Type,
) -> Result<wasm_wave::value::Type, wasm_wave::wasm::WasmValueError> {
    use wasm_wave::value::Type as Wave;
    use wit_parser::Type;
    Ok(match ty {
        Type::Bool => Wave::BOOL,
        Type::U8 => Wave::U8,
        Type::U16 => Wave::U16,
        Type::U32 => Wave::U32,
        Type::U64 => Wave::U64,
        Type::S8 => Wave::S8,
        Type::S16 => Wave::S16,
        Type::S32 => Wave::S32,
        Type::S64 => Wave::S64,
        Type::F32 => Wave::F32,
        Type::F64 => Wave::F64,
        Type::Char => Wave::CHAR,
        Type::String => Wave::STRING,
        Type::Id(id) => wasm_wave::value::resolve_wit_type(resolve, *id)?,
        Type::ErrorContext => {
            return Err(wasm_wave::wasm::WasmValueError::UnsupportedType(
                "error-context".into(),
            ));
        }
    })
}

/// The body of a function that calls `import`'s function (the host's own,
/// or for a bridge, another version's): the arguments as they come, the
/// result as it goes, its handles wrapped.
fn forward(
    layout: &Layout<'_>,
    resolve: &Resolve,
    (import_key, import_func): (Option<&wit_parser::WorldKey>, &Function),
    (key, func): (Option<&wit_parser::WorldKey>, &Function),
    resource_index: &dyn Fn(wit_parser::TypeId) -> Option<usize>,
    async_call: bool,
) -> Result<Body, Error> {
    let mangling = ManglingAndAbi::Legacy(LiftLowerAbi::Sync);
    let import = WasmImport::Func {
        interface: import_key,
        func: import_func,
    };
    let exported = resolve.wasm_signature(AbiVariant::GuestExport, func);
    let async_signature = resolve.wasm_signature(AbiVariant::GuestImportAsync, import_func);
    // An async lower takes the arguments as they come only when they fit
    // in its flat parameters, and gives results only through memory, which
    // the export must return by address.
    let async_call = async_call
        && async_signature.params.len()
            == exported.params.len() + usize::from(func.result.is_some())
        && (func.result.is_none() || exported.retptr);
    let (lowering, signature, (module, name)) = match async_call {
        true => (
            module::Lowering::AsyncReturned,
            async_signature,
            resolve.wasm_import_name(ManglingAndAbi::Legacy(LiftLowerAbi::AsyncCallback), import),
        ),
        false => (
            module::Lowering::Sync,
            resolve.wasm_signature(AbiVariant::GuestImport, import_func),
            resolve.wasm_import_name(mangling, import),
        ),
    };
    let fixes = func
        .result
        .map(|ty| layout.fixes(&ty, 0, resource_index))
        .unwrap_or_default();
    let wrap = match (&fixes[..], signature.retptr) {
        ([], _) => module::Wrap::None,
        (fixes, true) => module::Wrap::Memory(fixes.to_vec()),
        ([module::Fix::Handle { resource, .. }], false) => module::Wrap::Flat(*resource),
        (_, false) => {
            return Err(Error::Build(
                format!("cannot wrap the handles `{}` returns", func.name).into(),
            ));
        }
    };
    Ok(Body::Forward {
        import: module::Import {
            module,
            name,
            params: signature.params.clone(),
            results: signature.results.clone(),
        },
        result: (signature.retptr || lowering == module::Lowering::AsyncReturned)
            .then(|| func.result.map(|ty| layout.size_align(&ty)))
            .flatten(),
        wrap,
        post_return: resolve.wasm_export_name(
            mangling,
            WasmExport::Func {
                interface: key,
                func,
                kind: WasmExportKind::PostReturn,
            },
        ),
        lowering,
    })
}

/// What the future of a refused function holds.
#[derive(Debug, Clone, Copy)]
enum Outcome {
    Ok,
    /// `err`, with this case of the error type (or its first).
    Err(Option<usize>),
}

/// How a function that takes owned handles, or (WASI 0.3) takes or
/// returns streams and futures, is refused: what it owns is dropped, and
/// its `err`, a future holding the outcome or an ended stream returned.
/// Dropping matters on 0.3: a request given to a denied
/// `wasi:http/client#send` holds its body's readable end, and the caller,
/// writing the body, would wait forever for a reader. None for a function
/// with none of them, or with streams and futures where weld cannot reach
/// them (inside a record).
fn refusal(
    layout: &Layout<'_>,
    data: &mut Data,
    resolve: &Resolve,
    world: &wit_parser::World,
    key: &wit_parser::WorldKey,
    func: &Function,
    outcome: Outcome,
) -> Option<module::Refusal> {
    use wit_parser::{FutureIntrinsic, ResourceIntrinsic, StreamIntrinsic, Type, TypeDefKind};
    let transmitted = func.find_futures_and_streams(resolve);
    // The host's resources of the handles it is given to own, with the
    // interface that defines each: those the virtual world imports (weld's
    // own resources are its objects, which need no drop).
    let owned = |ty: &Type| {
        let resource = owned_resource(resolve, *ty)?;
        match resolve.types[resource].owner {
            wit_parser::TypeOwner::Interface(owner)
                if world
                    .imports
                    .contains_key(&wit_parser::WorldKey::Interface(owner)) =>
            {
                Some((resource, owner))
            }
            _ => None,
        }
    };
    let owns = func.params.iter().any(|p| owned(&p.ty).is_some());
    if transmitted.is_empty() && !(owns && matches!(outcome, Outcome::Err(_))) {
        return None;
    }
    // What it is given is dropped by core parameter index: flat ones only.
    if resolve
        .wasm_signature(AbiVariant::GuestExport, func)
        .indirect_params
    {
        return None;
    }
    let import = |import: WasmImport<'_>, params, results| {
        intrinsic_import(resolve, import, params, results)
    };
    let future = |ty, intrinsic, async_| WasmImport::FutureIntrinsic {
        interface: Some(key),
        func,
        ty: Some(ty),
        intrinsic,
        exported: true,
        async_,
    };
    let stream = |ty, intrinsic| WasmImport::StreamIntrinsic {
        interface: Some(key),
        func,
        ty: Some(ty),
        intrinsic,
        exported: true,
        async_: false,
    };
    // A stream or future type among the function's own.
    let kind = |ty: &Type| match ty {
        Type::Id(id) if transmitted.contains(id) => match &resolve.types[*id].kind {
            TypeDefKind::Future(payload) => Some((*id, true, *payload)),
            TypeDefKind::Stream(_) => Some((*id, false, None)),
            _ => None,
        },
        _ => None,
    };
    let mut drops = Vec::new();
    let mut param = 0;
    for p in &func.params {
        if let Some((resource, owner)) = owned(&p.ty) {
            drops.push((
                param,
                import(
                    WasmImport::ResourceIntrinsic {
                        interface: Some(&wit_parser::WorldKey::Interface(owner)),
                        resource,
                        intrinsic: ResourceIntrinsic::ImportedDrop,
                    },
                    vec![WasmType::I32],
                    vec![],
                ),
            ));
            param += 1;
            continue;
        }
        match kind(&p.ty) {
            Some((id, true, _)) => drops.push((
                param,
                import(
                    future(id, FutureIntrinsic::DropReadable, false),
                    vec![WasmType::I32],
                    vec![],
                ),
            )),
            Some((id, false, _)) => drops.push((
                param,
                import(
                    stream(id, StreamIntrinsic::DropReadable),
                    vec![WasmType::I32],
                    vec![],
                ),
            )),
            None if policy::holds(resolve, &p.ty, &|def| {
                matches!(def.kind, TypeDefKind::Future(_) | TypeDefKind::Stream(_))
            }) =>
            {
                return None;
            }
            None => {}
        }
        // Parameters that go through memory: nothing to reach.
        param += layout.flat_count(&p.ty)? as u32;
    }
    if transmitted.is_empty() {
        let Outcome::Err(case) = outcome else {
            return None;
        };
        return Some(module::Refusal {
            drops,
            returns: module::Returns::Value(error_value(layout, data, func, case)),
        });
    }
    let results: Vec<Type> = match func.result {
        None => Vec::new(),
        Some(Type::Id(id)) if kind(&Type::Id(id)).is_none() => match &resolve.types[id].kind {
            TypeDefKind::Tuple(tuple) => tuple.types.clone(),
            _ => return None,
        },
        Some(ty) => vec![ty],
    };
    let mut parts = Vec::new();
    for ty in &results {
        let part = match kind(ty)? {
            (id, true, Some(payload)) => {
                let (new, write) = future_new_and_write(resolve, &|intrinsic, async_| {
                    future(id, intrinsic, async_)
                });
                module::Refused::Future {
                    new,
                    write,
                    value: match outcome {
                        Outcome::Err(case) => layout.place_err(data, &payload, case),
                        // `ok` is all zeros.
                        Outcome::Ok => {
                            let (size, align) = layout.size_align(&payload);
                            data.alloc(size, align)
                        }
                    },
                }
            }
            (_, true, None) => return None,
            (id, false, _) => module::Refused::Stream {
                new: import(
                    stream(id, StreamIntrinsic::New),
                    vec![],
                    vec![WasmType::I64],
                ),
                drop_writable: import(
                    stream(id, StreamIntrinsic::DropWritable),
                    vec![WasmType::I32],
                    vec![],
                ),
            },
        };
        parts.push(part);
    }
    let at = (parts.len() > 1).then(|| data.alloc(4 * parts.len(), 4));
    Some(module::Refusal {
        drops,
        returns: module::Returns::Transmitted { parts, at },
    })
}

/// The body of a function returning `err` with the error case `case` (an
/// index into its enum or variant), or a bare `err`.
fn error(layout: &Layout<'_>, data: &mut Data, func: &Function, case: Option<usize>) -> Body {
    Body::Return(error_value(layout, data, func, case))
}

/// The core result of `err(case)`.
fn error_value(layout: &Layout<'_>, data: &mut Data, func: &Function, case: Option<usize>) -> Flat {
    match func.result {
        Some(ty) if layout.flat_count(&ty).is_none_or(|n| n > 1) => {
            Flat::I32(layout.place_err(data, &ty, case) as i32)
        }
        // `result` without payloads: one i32, 1 for `err`.
        _ => Flat::I32(1),
    }
}

/// The body of a function returning the constant `value` (WAVE).
fn constant(
    layout: &Layout<'_>,
    data: &mut Data,
    resolve: &Resolve,
    interface: &str,
    func: &Function,
    value: &str,
) -> Result<Body, Error> {
    let name = format!("{interface}#{}", func.name);
    let Some(ty) = func.result else {
        return Err(Error::Value {
            function: name,
            ty: "nothing".into(),
            message: "a function without a result cannot return a constant".into(),
        });
    };
    let wit_type = match ty {
        wit_parser::Type::Id(id) if resolve.types[id].name.is_some() => {
            weld_wit::display::type_definition(resolve, id)
        }
        _ => weld_wit::display::type_name(resolve, &ty),
    };
    let bad = |message: String| Error::Value {
        function: name.clone(),
        ty: wit_type.clone(),
        message,
    };
    let value_type = match wave_type(resolve, &ty) {
        Ok(value_type) => value_type,
        // WAVE has no resource handles, but an empty list or `none` of
        // them needs none.
        Err(e) => {
            return layout
                .place_empty(data, &ty, value.trim())
                .map(|address| Body::Return(Flat::I32(address as i32)))
                .ok_or_else(|| bad(e.to_string()));
        }
    };
    let value: wasm_wave::value::Value =
        wasm_wave::from_str(&value_type, value).map_err(|e| bad(format!("`{value}`: {e}")))?;
    let signature = resolve.wasm_signature(AbiVariant::GuestExport, func);
    if signature.retptr {
        let address = layout.place(data, &ty, &value).map_err(bad)?;
        return Ok(Body::Return(Flat::I32(address as i32)));
    }
    layout
        .flat(&ty, &value)
        .map(Body::Return)
        .ok_or_else(|| bad("a constant cannot hold a resource handle".into()))
}

/// The type a `use`d name stands for: `use types.{request}` in another
/// interface makes an alias of the resource its owner defines.
fn definition(resolve: &Resolve, mut id: wit_parser::TypeId) -> wit_parser::TypeId {
    while let wit_parser::TypeDefKind::Type(wit_parser::Type::Id(next)) = resolve.types[id].kind {
        id = next;
    }
    id
}

/// [`module::Body::FilterEnv`] of `host`, the forward of
/// `get-environment`: the globs and the fixed variables in static data.
fn filter_env(data: &mut Data, host: module::Body, filter: &policy::EnvFilter) -> module::Body {
    let globs = filter
        .globs
        .iter()
        .map(|g| span(data, g.as_bytes()))
        .collect();
    let pairs: Vec<(module::Span, module::Span)> = filter
        .fixed
        .iter()
        .map(|(name, value)| (span(data, name.as_bytes()), span(data, value.as_bytes())))
        .collect();
    let entries = data.alloc(16 * pairs.len().max(1), 4);
    for (i, (name, value)) in pairs.iter().enumerate() {
        let words = [name.address, name.len, value.address, value.len];
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        data.put(entries + 16 * i as u32, &bytes);
    }
    module::Body::FilterEnv {
        host: Box::new(host),
        globs,
        names: pairs.into_iter().map(|(name, _)| name).collect(),
        entries,
    }
}

/// [`Body::MockResponse`] for `send` (WASI 0.3's `wasi:http/client`): a
/// response of `status` with no headers and no body, made through the
/// host's own `wasi:http/types`, which the component must import
/// `[constructor]fields`, `[static]response.new` and
/// `[method]response.set-status-code` of (a handler does, to answer).
fn mock_response(
    layout: &Layout<'_>,
    data: &mut Data,
    resolve: &Resolve,
    func: &Function,
    status: u16,
) -> Result<Body, Error> {
    use wit_parser::{FutureIntrinsic, ResourceIntrinsic, Type, TypeDefKind};
    let cannot = |why: String| Error::Build(format!("cannot mock `{}`: {why}", func.name).into());
    let (request, types) =
        sent_request(resolve, func).ok_or_else(|| cannot("it sends no request".into()))?;
    let key = wit_parser::WorldKey::Interface(types);
    let mangling = ManglingAndAbi::Legacy(LiftLowerAbi::Sync);
    let function = |name: &str| {
        resolve.interfaces[types].functions.get(name).ok_or_else(|| {
            cannot(format!(
                "the component's wasi:http/types has no `{name}` (it makes no responses of its own) for the mock's response"
            ))
        })
    };
    let call = |func: &Function| {
        let signature = resolve.wasm_signature(AbiVariant::GuestImport, func);
        let (module, name) = resolve.wasm_import_name(
            mangling,
            WasmImport::Func {
                interface: Some(&key),
                func,
            },
        );
        module::Import {
            module,
            name,
            params: signature.params,
            results: signature.results,
        }
    };
    let intrinsic = |import, params, results| intrinsic_import(resolve, import, params, results);
    let (fields, new, set_status) = (
        function("[constructor]fields")?,
        function("[static]response.new")?,
        function("[method]response.set-status-code")?,
    );
    // `new`'s futures: the trailers it is given, and the one it returns
    // (of the response's transmission, which the mock does not await).
    let future_of = |ty: Option<Type>| match ty {
        Some(Type::Id(id)) => match resolve.types[definition(resolve, id)].kind {
            TypeDefKind::Future(payload) => Some((definition(resolve, id), payload)),
            _ => None,
        },
        _ => None,
    };
    let trailers = new.params.iter().find(|p| p.name == "trailers");
    let (trailers, payload) = future_of(trailers.map(|p| p.ty))
        .ok_or_else(|| cannot("`response.new` takes no trailers future".into()))?;
    let transmitted = match new
        .result
        .and_then(|ty| definition_of(resolve, ty))
        .map(|id| &resolve.types[id].kind)
    {
        Some(TypeDefKind::Tuple(tuple)) => tuple.types.get(1).and_then(|ty| future_of(Some(*ty))),
        _ => None,
    }
    .ok_or_else(|| cannot("`response.new` returns no future".into()))?;
    let future = |ty, intrinsic, async_| WasmImport::FutureIntrinsic {
        interface: Some(&key),
        func: new,
        ty: Some(ty),
        intrinsic,
        exported: false,
        async_,
    };
    let (trailers_new, trailers_write) = future_new_and_write(resolve, &|intrinsic, async_| {
        future(trailers, intrinsic, async_)
    });
    let response = call(new);
    if response.params.len() != 5 {
        return Err(cannot("`response.new` has an unexpected signature".into()));
    }
    // `ok(none)`, all zeros, for the trailers.
    let value = match payload {
        Some(payload) => {
            let (size, align) = layout.size_align(&payload);
            data.alloc(size, align)
        }
        None => return Err(cannot("the trailers future holds nothing".into())),
    };
    // Where `send`'s `ok` holds the response: after the discriminant, at
    // the alignment of either case.
    let result = func
        .result
        .ok_or_else(|| cannot("it returns nothing".into()))?;
    let (size, align) = layout.size_align(&result);
    Ok(Body::MockResponse(Box::new(module::MockResponse {
        drop_request: intrinsic(
            WasmImport::ResourceIntrinsic {
                interface: Some(&key),
                resource: request,
                intrinsic: ResourceIntrinsic::ImportedDrop,
            },
            vec![WasmType::I32],
            vec![],
        ),
        trailers_new,
        trailers_write,
        fields: call(fields),
        response,
        drop_transmitted: intrinsic(
            future(transmitted.0, FutureIntrinsic::DropReadable, false),
            vec![WasmType::I32],
            vec![],
        ),
        set_status: call(set_status),
        trailers: value,
        status,
        result: (size as u32, align as u32),
        ok_offset: align.max(4) as u32,
    })))
}

/// A canonical built-in (or a resource's drop) imported under its
/// wit-component name, with its core signature.
fn intrinsic_import(
    resolve: &Resolve,
    import: WasmImport<'_>,
    params: Vec<WasmType>,
    results: Vec<WasmType>,
) -> module::Import {
    let (module, name) =
        resolve.wasm_import_name(ManglingAndAbi::Legacy(LiftLowerAbi::Sync), import);
    module::Import {
        module,
        name,
        params,
        results,
    }
}

/// The `future.new` and async `future.write` of a future type, whose
/// intrinsic imports `future` names.
fn future_new_and_write<'a>(
    resolve: &Resolve,
    future: &dyn Fn(wit_parser::FutureIntrinsic, bool) -> WasmImport<'a>,
) -> (module::Import, module::Import) {
    let import = |import: WasmImport<'_>, params, results| {
        intrinsic_import(resolve, import, params, results)
    };
    (
        import(
            future(wit_parser::FutureIntrinsic::New, false),
            vec![],
            vec![WasmType::I64],
        ),
        import(
            future(wit_parser::FutureIntrinsic::Write, true),
            vec![WasmType::I32; 2],
            vec![WasmType::I32],
        ),
    )
}

/// The definition of a type named by id, through aliases.
fn definition_of(resolve: &Resolve, ty: wit_parser::Type) -> Option<wit_parser::TypeId> {
    match ty {
        wit_parser::Type::Id(id) => Some(definition(resolve, id)),
        _ => None,
    }
}

/// A forward that leaves the host's handles in its result as they are,
/// for a body that wraps them itself.
fn unwrapped(mut body: Body) -> Body {
    if let Body::Forward { wrap, .. } = &mut body {
        *wrap = module::Wrap::None;
    }
    body
}

/// [`Body::FilterDirs`] of `host`, the unwrapped forward of
/// `get-directories`: each grant's prefix in static data, exactly and as
/// the glob `PREFIX/*`.
fn filter_dirs(
    layout: &Layout<'_>,
    data: &mut Data,
    func: &Function,
    host: Body,
    grants: &[weld_wit::access::PathGrant],
    resource_index: &dyn Fn(wit_parser::TypeId) -> Option<usize>,
) -> Result<Body, Error> {
    let fixes = func
        .result
        .map(|ty| layout.fixes(&ty, 0, resource_index))
        .unwrap_or_default();
    let resource = match &fixes[..] {
        [module::Fix::List { element, .. }] => only_handle(element, 0),
        _ => None,
    }
    .ok_or_else(|| {
        Error::Build(format!("`{}` returns no list of directories", func.name).into())
    })?;
    let grants = grants
        .iter()
        .map(|grant| {
            let under = match grant.prefix.as_str() {
                "/" => "/*".to_owned(),
                prefix => format!("{prefix}/*"),
            };
            module::DirGrant {
                exact: span(data, grant.prefix.as_bytes()),
                under: span(data, under.as_bytes()),
                read_only: grant.read_only,
            }
        })
        .collect::<Vec<_>>();
    Ok(Body::FilterDirs {
        host: Box::new(host),
        mark: grants.iter().any(|grant| grant.read_only),
        grants,
        resource,
    })
}

/// [`Body::GuardFs`] for `func`, a function of `wasi:filesystem/types`
/// that `guard` says what to check of; `denied` are the bodies for a path
/// that leaves its directory and for a change refused.
fn guard_fs(
    layout: &Layout<'_>,
    resolve: &Resolve,
    func: &Function,
    guard: &crate::allow_fs::FsGuard,
    [outside, read_only]: [Body; 2],
    host: Body,
    resource_index: &dyn Fn(wit_parser::TypeId) -> Option<usize>,
) -> Result<Body, Error> {
    use wit_parser::{Handle, Type, TypeDefKind};
    let unexpected =
        |what: &str| Error::Build(format!("cannot guard `{}`: {what}", func.name).into());
    // Parameters by their core index: flat ones only.
    if resolve
        .wasm_signature(AbiVariant::GuestExport, func)
        .indirect_params
    {
        return Err(unexpected("its parameters go through memory"));
    }
    let mut paths = Vec::new();
    let mut descriptors = Vec::new();
    let mut flags = Vec::new();
    let mut index = 0;
    for param in &func.params {
        match param.ty {
            Type::String
                if guard.paths && crate::allow_fs::PATHS.contains(&param.name.as_str()) =>
            {
                paths.push((index, crate::allow_fs::is_link_target(func, &param.name)));
            }
            Type::Id(id) => match &resolve.types[definition(resolve, id)].kind {
                TypeDefKind::Handle(Handle::Borrow(resource))
                    if resource_index(definition(resolve, *resource)).is_some() =>
                {
                    descriptors.push(index);
                }
                TypeDefKind::Flags(set) => flags.push((param.name.as_str(), index, set)),
                _ => {}
            },
            _ => {}
        }
        index += layout
            .flat_count(&param.ty)
            .ok_or_else(|| unexpected("its parameters go through memory"))? as u32;
    }
    // The bits of the flags that ask to change things.
    let mask = |name: &str, asking: &[&str]| {
        let (_, param, set) = flags
            .iter()
            .find(|(n, _, _)| *n == name)
            .ok_or_else(|| unexpected(&format!("it takes no `{name}`")))?;
        let bits = set
            .flags
            .iter()
            .enumerate()
            .filter(|(_, flag)| asking.contains(&flag.name.as_str()))
            .fold(0i32, |bits, (i, _)| bits | 1 << i);
        Ok::<_, Error>((*param, bits))
    };
    let change = match (guard.changes, guard.opens) {
        (false, _) => module::Change::Never,
        (true, false) => module::Change::Always,
        (true, true) => module::Change::Open {
            open: mask("open-flags", &["create", "truncate"])?,
            flags: mask("flags", &["write", "mutate-directory"])?,
        },
    };
    if matches!(change, module::Change::Never) && paths.is_empty() {
        return Err(unexpected("nothing to check"));
    }
    let (inherit, allowed) = match guard.opens {
        false => (None, host),
        true => {
            let fixes = func
                .result
                .map(|ty| layout.fixes(&ty, 0, resource_index))
                .unwrap_or_default();
            // `ok` (case 0) holds the handle, after the discriminant.
            let resource = match &fixes[..] {
                [
                    module::Fix::Variant {
                        offset: 0,
                        size: 1,
                        cases,
                    },
                ] => match &cases[..] {
                    [(0, handle)] => only_handle(handle, 4),
                    _ => None,
                },
                _ => None,
            }
            .ok_or_else(|| unexpected("it returns no `result<descriptor, error-code>`"))?;
            (Some(resource), unwrapped(host))
        }
    };
    if matches!(outside, Body::Refuse(_)) && matches!(read_only, Body::Refuse(_)) {
        return Err(unexpected("both of its refusals own what they are given"));
    }
    Ok(Body::GuardFs(Box::new(module::GuardFs {
        paths,
        change,
        descriptors,
        outside,
        read_only,
        allowed,
        inherit,
    })))
}

/// The resource number of the one handle `fixes` wrap, if they wrap just
/// one, at `offset`.
fn only_handle(fixes: &[module::Fix], offset: u32) -> Option<usize> {
    match fixes {
        [
            module::Fix::Handle {
                offset: at,
                resource,
            },
        ] if *at == offset => Some(*resource),
        _ => None,
    }
}

/// `bytes` in static data.
fn span(data: &mut Data, bytes: &[u8]) -> module::Span {
    let address = data.alloc(bytes.len().max(1), 1);
    data.put(address, bytes);
    module::Span {
        address,
        len: bytes.len() as u32,
    }
}

/// The cases of `wasi:http/types`'s `method` before `other(string)`, as
/// requests name them.
pub(crate) const METHODS: [&str; module::METHOD_OTHER as usize] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
];

/// The request a function that sends one is given to own (its first
/// parameter: 0.2's `handle` takes an `outgoing-request`, 0.3's `send` a
/// `request`), and the interface that defines it (`wasi:http/types`).
pub(crate) fn sent_request(
    resolve: &Resolve,
    func: &Function,
) -> Option<(wit_parser::TypeId, wit_parser::InterfaceId)> {
    let request = owned_resource(resolve, func.params.first()?.ty)?;
    match resolve.types[request].owner {
        wit_parser::TypeOwner::Interface(types) => Some((request, types)),
        _ => None,
    }
}

/// The name of the getter `what` (`scheme`, `authority`, `method`,
/// `path-with-query`) of a sent request: 0.2's is
/// `[method]outgoing-request.scheme`, 0.3's `[method]request.get-scheme`.
pub(crate) fn request_getter(resolve: &Resolve, request: wit_parser::TypeId, what: &str) -> String {
    let resource = resolve.types[request].name.as_deref().unwrap_or_default();
    match resource {
        "outgoing-request" => format!("[method]{resource}.{what}"),
        _ => format!("[method]{resource}.get-{what}"),
    }
}

/// What `handle` (0.2) or `send` (0.3) behind `--allow-http` asks of its
/// request, and the grants' globs.
fn http_check(
    layout: &Layout<'_>,
    data: &mut Data,
    resolve: &Resolve,
    func: &Function,
    grants: &[weld_wit::http::HttpGrant],
) -> Result<module::HttpCheck, Error> {
    let unexpected = || Error::Build(format!("`{}` takes no request first", func.name).into());
    let (request, types) = sent_request(resolve, func).ok_or_else(unexpected)?;
    let key = wit_parser::WorldKey::Interface(types);
    let method = |name: &str, size: usize| {
        let method = resolve.interfaces[types]
            .functions
            .get(&request_getter(resolve, request, name))
            .ok_or_else(unexpected)?;
        // The layouts `Context::check_http` reads.
        if method.result.map(|ty| layout.size_align(&ty)) != Some((size, 4)) {
            return Err(Error::Build(
                format!("`{}` returns an unexpected type", method.name).into(),
            ));
        }
        let signature = resolve.wasm_signature(AbiVariant::GuestImport, method);
        let (module, name) = resolve.wasm_import_name(
            ManglingAndAbi::Legacy(LiftLowerAbi::Sync),
            WasmImport::Func {
                interface: Some(&key),
                func: method,
            },
        );
        Ok(module::Import {
            module,
            name,
            params: signature.params,
            results: signature.results,
        })
    };
    // `get` to `patch`, as the `method` variant orders its cases.
    let names: Vec<module::Span> = METHODS.iter().map(|m| span(data, m.as_bytes())).collect();
    let methods = data.alloc(8 * names.len(), 4);
    for (i, name) in names.iter().enumerate() {
        let pair: Vec<u8> = [name.address, name.len]
            .iter()
            .flat_map(|w| w.to_le_bytes())
            .collect();
        data.put(methods + 8 * i as u32, &pair);
    }
    Ok(module::HttpCheck {
        scheme: method("scheme", 16)?,
        authority: method("authority", 12)?,
        method: method("method", 12)?,
        path: method("path-with-query", 12)?,
        methods,
        root: span(data, b"/").address,
        globs: grants
            .iter()
            .flat_map(|grant| grant.globs())
            .map(|glob| span(data, glob.as_bytes()))
            .collect(),
    })
}

/// The resource a parameter of type `ty` is given to own: `own<r>`,
/// through any aliases of the handle or of the resource.
fn owned_resource(resolve: &Resolve, ty: wit_parser::Type) -> Option<wit_parser::TypeId> {
    use wit_parser::{Handle, Type, TypeDefKind};
    let Type::Id(id) = ty else {
        return None;
    };
    let id = definition(resolve, id);
    match resolve.types[id].kind {
        TypeDefKind::Handle(Handle::Own(resource)) => Some(definition(resolve, resource)),
        _ => None,
    }
}
