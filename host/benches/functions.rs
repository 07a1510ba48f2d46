//! Each first-party function through the host (wasm, sandboxed, module compiled once) against
//! the same function built natively, at 10, 1,000 and 10,000 resources; and the host's own
//! cost per call on an empty module. `cargo bench -p krmwasm --bench functions`; figures go
//! to docs/benchmarks.md.

use krm::codec::{self, Format};
use krm::{ResourceList, Value};
use krmwasm::runtime::{Limits, Runtime, VerifiedWasm};
use serde_json::json;
use std::sync::OnceLock;

fn main() {
    divan::main();
}

const SIZES: [usize; 3] = [10, 1_000, 10_000];

/// A whole native run: input bytes to output, as the function's binary runs it.
type Native = fn(&[u8], Format) -> krm::Outcome;

/// A function: its built-in name, its native run, and its input at `n` resources.
struct Function {
    name: &'static str,
    native: Native,
    input: fn(usize) -> ResourceList,
}

const IMAGE: Function = Function {
    name: "kpack-image",
    native: ::kpack_image::process_input,
    input: image_input,
};
const BUILDER: Function = Function {
    name: "kpack-builder",
    native: ::kpack_builder::process_input,
    input: builder_input,
};
const VALIDATE: Function = Function {
    name: "kpack-validate",
    native: ::kpack_validate::process_input,
    input: validate_input,
};

/// An ImageConfig that expands to `n` Images.
fn image_input(n: usize) -> ResourceList {
    let images: Vec<Value> = (0..n)
        .map(|i| json!({"name": format!("app-{i}"), "git": {"url": format!("https://git.example.com/app-{i}")}}))
        .collect();
    let config = json!({
        "apiVersion": "kpack.krmwasm.dev/v1alpha1", "kind": "ImageConfig",
        "metadata": {"name": "bench", "namespace": "apps"},
        "spec": {"defaults": {"registry": "registry.example.com/bench", "builder": "base"}, "images": images},
    });
    ResourceList::new(Vec::new(), Some(config))
}

/// A BuilderConfig with `n - 3` buildpacks: a ClusterStack, a ClusterLifecycle, a
/// ClusterBuilder and one ClusterBuildpack each.
fn builder_input(n: usize) -> ResourceList {
    let buildpacks: Vec<Value> = (0..n.saturating_sub(3).max(1))
        .map(|i| json!({"id": format!("example/bp-{i}"), "image": format!("registry.example.com/bp/bp-{i}:1.0.{i}")}))
        .collect();
    let config = json!({
        "apiVersion": "kpack.krmwasm.dev/v1alpha1", "kind": "BuilderConfig",
        "metadata": {"name": "bench"},
        "spec": {
            "scope": "Cluster",
            "tag": "registry.example.com/builders/bench",
            "serviceAccount": {"name": "kpack-builder", "namespace": "kpack"},
            "stack": {"id": "io.buildpacks.stacks.jammy",
                      "buildImage": "registry.example.com/stacks/build:1", "runImage": "registry.example.com/stacks/run:1"},
            "lifecycle": "registry.example.com/lifecycle:0.20.5",
            "buildpacks": buildpacks,
            "order": [{"group": ["example/bp-0"]}],
            "store": "ClusterBuildpack",
        },
    });
    ResourceList::new(Vec::new(), Some(config))
}

/// `n - 1` Images and the ClusterBuilder they name.
fn validate_input(n: usize) -> ResourceList {
    let mut items = vec![json!({
        "apiVersion": "kpack.io/v1alpha2", "kind": "ClusterBuilder", "metadata": {"name": "base"},
        "spec": {"tag": "registry.example.com/builders/base", "stack": {"kind": "ClusterStack", "name": "base"},
                 "serviceAccountRef": {"name": "kpack", "namespace": "kpack"},
                 "order": [{"group": [{"id": "paketo-buildpacks/java"}]}]},
    })];
    items.extend((0..n.saturating_sub(1)).map(|i| json!({
        "apiVersion": "kpack.io/v1alpha2", "kind": "Image",
        "metadata": {"name": format!("app-{i}"), "namespace": "apps"},
        "spec": {"tag": format!("registry.example.com/apps/app-{i}"), "builder": {"kind": "ClusterBuilder", "name": "base"},
                 "serviceAccountName": "builds",
                 "source": {"git": {"url": format!("https://git.example.com/app-{i}"), "revision": "main"}}},
    })));
    ResourceList::new(items, None)
}

fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| Runtime::new(None).expect("an engine"))
}

/// The built-in module, compiled once for the whole run.
fn module(name: &str) -> wasmtime::Module {
    let f = krmwasm::builtin::by_name(name).expect("a built-in function");
    runtime()
        .load(&VerifiedWasm::built_in(f), &Limits::default())
        .expect("compiles")
        .module
}

fn input_json(f: &Function, n: usize) -> Vec<u8> {
    codec::to_bytes(&(f.input)(n), Format::Json)
}

/// Natively, as the function's own binary runs: read the JSON list, process, write JSON.
fn bench_native(bencher: divan::Bencher, f: &Function, n: usize) {
    let input = input_json(f, n);
    bencher.bench(|| {
        let out = (f.native)(&input, Format::Json);
        assert_eq!(out.exit_code, 0, "{}", out.stderr);
        out.stdout.len()
    });
}

/// Through the host: a fresh store and instance per call, JSON in and out, the same work.
fn bench_wasm(bencher: divan::Bencher, f: &Function, n: usize) {
    let input = input_json(f, n);
    let module = module(f.name);
    let limits = Limits::default();
    bencher.bench(|| {
        let run = runtime().invoke(
            f.name,
            &module,
            input.clone(),
            &[("KRM_OUTPUT", "json")],
            &limits,
        );
        assert!(matches!(run.status, Ok(0)), "{:?}", run.status);
        run.stdout.len()
    });
}

/// A bench group per function (divan names groups after modules): native and through the
/// host, at each size.
macro_rules! function_group {
    ($group:ident, $function:ident) => {
        #[divan::bench_group(sample_count = 10, sample_size = 1)]
        mod $group {
            use super::*;

            #[divan::bench(args = SIZES)]
            fn native(bencher: divan::Bencher, n: usize) {
                bench_native(bencher, &$function, n)
            }

            #[divan::bench(args = SIZES)]
            fn wasm(bencher: divan::Bencher, n: usize) {
                bench_wasm(bencher, &$function, n)
            }
        }
    };
}

function_group!(kpack_image, IMAGE);
function_group!(kpack_builder, BUILDER);
function_group!(kpack_validate, VALIDATE);

/// The host's cost per call, with no guest work: store, WASI context, stdio pipes, the
/// watchdog's deadline, instantiation and `_start` of a module that does nothing.
#[divan::bench(sample_count = 200, sample_size = 10)]
fn host_overhead_per_call(bencher: divan::Bencher) {
    let wasm = wat::parse_str(r#"(module (memory (export "memory") 1) (func (export "_start")))"#)
        .expect("valid WAT");
    let module = wasmtime::Module::new(runtime().engine(), wasm).expect("compiles");
    let limits = Limits::default();
    bencher.bench(|| {
        let run = runtime().invoke("empty", &module, Vec::new(), &[], &limits);
        assert!(matches!(run.status, Ok(0)), "{:?}", run.status);
    });
}
