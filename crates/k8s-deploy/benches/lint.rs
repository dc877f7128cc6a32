//! Rendering and linting 1,000 objects, and planning them on the fake API server of
//! gates-testkit (the budget for lint and plan is under a second): the seeds' production
//! manifests repeated under distinct names, so every object is shaped like a real one.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use k8s_deploy::gate::{self, RenderOptions};
use k8s_deploy::images::Substitution;
use k8s_deploy::lint::Settings;
use k8s_deploy::template::Vars;

/// The seeds' production directory as one stream of about `objects` objects.
fn stream(objects: usize) -> String {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/k8s/seeds/production"
    );
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let one: Vec<String> = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    let per_copy = 5; // Deployment, two Services, HPA, Ingress (the Namespace once)
    let mut out = one[0].clone();
    for i in 0..objects / per_copy {
        for text in &one[1..] {
            out.push_str("\n---\n");
            out.push_str(&text.replace("name: gateway", &format!("name: gateway-{i}")));
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("all.yaml");
    let text = stream(1000);
    std::fs::write(&path, &text).unwrap();
    let inputs = vec![path.to_str().unwrap().to_string()];
    let flags = vec![
        "REPLICAS=3".to_string(),
        "ENVIRONMENT=production".to_string(),
    ];
    let vars = Vars::new(&flags, &|_| None).unwrap();
    let images =
        vec![Substitution::parse("medical-kg-rev/gateway=ghcr.io/org/gateway:abc").unwrap()];
    let levels = gates_core::rules::Levels::new(
        &k8s_deploy::rules::CATALOGUE,
        &Default::default(),
        std::path::Path::new("none"),
        &Default::default(),
    )
    .unwrap();
    let mut g = c.benchmark_group("k8s");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("render_and_lint_1000_objects", |b| {
        b.iter(|| {
            let opts = RenderOptions {
                inputs: &inputs,
                vars: &vars,
                images: &images,
                namespace: None,
            };
            let r = gate::render(&opts, &mut std::io::empty()).unwrap();
            assert!(r.manifests.len() >= 1000);
            gate::lint_outcome(&r, &Settings::default(), &levels, false, Default::default())
        })
    });
    let fake = gates_testkit::k8s::FakeKube::start();
    fake.put(serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "production"}}));
    let kubeconfig = fake.kubeconfig(dir.path());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let cluster = rt.block_on(async {
        let kc = kube::config::Kubeconfig::read_from(&kubeconfig).unwrap();
        let config = kube::Config::from_custom_kubeconfig(kc, &Default::default())
            .await
            .unwrap();
        k8s_deploy::cluster::Cluster::with_config(config)
            .await
            .unwrap()
    });
    let opts = RenderOptions {
        inputs: &inputs,
        vars: &vars,
        images: &images,
        namespace: None,
    };
    let rendered = gate::render(&opts, &mut std::io::empty()).unwrap();
    let settings = k8s_deploy::plan::ApplySettings {
        field_manager: "gates-k8s-deploy".into(),
        force_conflicts: false,
    };
    g.sample_size(10);
    g.bench_function("plan_1000_objects_on_the_fake_api_server", |b| {
        b.iter(|| {
            let plan = rt
                .block_on(k8s_deploy::plan::plan(
                    &cluster,
                    &rendered.manifests,
                    &settings,
                    Vec::new(),
                ))
                .unwrap();
            assert_eq!(plan.entries.len(), rendered.manifests.len());
            plan
        })
    });
    g.finish();
}

mod group {
    #![allow(missing_docs)]
    use super::*;
    criterion_group!(benches, bench);
}

criterion_main!(group::benches);
