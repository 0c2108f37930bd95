//! Running a `wasi:cli/run` component, as `weld run` does: a WASI 0.2
//! command (`run: func() -> result`) or a 0.3 one (`run: async func() ->
//! result`), which runs inside `Store::run_concurrent` (see `runtime`).

use crate::Error;
use crate::host::Host;
use crate::runtime::{Prepared, Runtime};
use wasmtime::Store;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Instance, TypedFunc};

/// What `run` returns: `ok` or `err`, with nothing in either.
type RunResult = (Result<(), ()>,);

/// Runs the component's `wasi:cli/run` export and returns its exit status:
/// 0 for `ok`, 1 for `err`, or what it passed to `wasi:cli/exit`.
/// `store` carries the guest's capabilities and limits ([`Runtime::store`]).
pub fn run(runtime: &Runtime, prepared: &Prepared, mut store: Store<Host>) -> Result<i32, Error> {
    let run_interface = command_export(prepared)?;
    let traced = store
        .data_mut()
        .calls()
        .map(|calls| calls.enter_export(&format!("{run_interface}#run"), String::new()));
    let result = match prepared.concurrent {
        false => (|| {
            let instance = prepared.pre.instantiate(&mut store)?;
            let run = run_func(&mut store, &instance, &run_interface)?;
            run.call(&mut store, ())
        })(),
        true => wasmtime_wasi::runtime::in_tokio(async {
            let instance = prepared.pre.instantiate_async(&mut store).await?;
            let run = run_func(&mut store, &instance, &run_interface)?;
            store
                .run_concurrent(async |store| run.call_concurrent(store, ()).await)
                .await?
        }),
    };
    if let (Some(call), Ok((outcome,))) = (traced, &result)
        && let Some(calls) = store.data_mut().calls()
    {
        let shown = match outcome {
            Ok(()) => "ok",
            Err(()) => "err",
        };
        calls.exit_export(call, Some(shown.to_owned()));
    }
    match result {
        Ok((Ok(()),)) => Ok(0),
        Ok((Err(()),)) => Ok(1),
        Err(error) => match runtime.guest_error(&store, error) {
            Error::Exit(code) => Ok(code),
            error => Err(error),
        },
    }
}

/// The `run` function of the instance's `run_interface`.
fn run_func(
    store: &mut Store<Host>,
    instance: &Instance,
    run_interface: &str,
) -> wasmtime::Result<TypedFunc<(), RunResult>> {
    let interface = instance
        .get_export_index(&mut *store, None, run_interface)
        .ok_or_else(|| wasmtime::format_err!("no export `{run_interface}`"))?;
    let func = instance
        .get_export_index(&mut *store, Some(&interface), "run")
        .ok_or_else(|| wasmtime::format_err!("no function `run` in `{run_interface}`"))?;
    instance.get_typed_func::<(), RunResult>(&mut *store, func)
}

/// The name of the component's `wasi:cli/run@0.2.x` or `@0.3.x` export.
fn command_export(prepared: &Prepared) -> Result<String, Error> {
    let ty = prepared.component.component_type();
    ty.exports(prepared.engine())
        .find(|(name, item)| {
            matches!(item.ty, ComponentItem::ComponentInstance(_))
                && (name.starts_with("wasi:cli/run@0.2.")
                    || name.starts_with("wasi:cli/run@0.3.")
                    || *name == "wasi:cli/run")
        })
        .map(|(name, _)| name.to_owned())
        .ok_or_else(|| Error::NotCommand {
            path: prepared.path.clone(),
        })
}
