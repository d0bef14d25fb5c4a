//! Pipelines and steps, deployments and environments.

use super::*;

#[test]
fn pipelines_steps_deployments_and_environments() {
    let fake = start();
    let ds = fake.dataset();
    let b = fake.base_url();
    let base = format!("{b}/repositories/acme/api-service");

    let expected = ds.pipelines("acme", "api-service");
    assert_eq!(expected.len(), ds.pipeline_count("acme", "api-service"));
    assert_eq!(expected.len(), 40);
    let (values, pages) = collect_all(&format!("{base}/pipelines?pagelen=15"));
    assert_eq!(values, expected);
    assert_eq!(pages.len(), 3);
    assert_eq!(pages[0]["size"], 40);
    let created: Vec<&str> = values.iter().map(|p| p["created_on"].as_str().unwrap()).collect();
    assert!(created.windows(2).all(|w| w[0] < w[1]), "oldest first");
    assert_eq!(values[0]["build_number"], 1);
    let (same, _) = collect_all(&format!("{base}/pipelines?pagelen=100&sort=created_on&q=garbage%20%3D%3D"));
    assert_eq!(same, expected, "q is ignored");
    let (newest, _) = collect_all(&format!("{base}/pipelines?pagelen=100&sort=-created_on"));
    assert_eq!(newest, expected.iter().rev().cloned().collect::<Vec<_>>());
    let r = get(&format!("{base}/pipelines?sort=build_number"), Some(&basic()));
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["type"], "error");

    let since = "2026-05-01";
    let n_since = ds.pipelines_created_since("acme", "api-service", since);
    assert!(n_since > 0 && n_since < 40, "{n_since}");
    assert_eq!(created.iter().filter(|c| **c >= since).count(), n_since);

    for p in &values[..3] {
        for key in ["uuid", "build_number", "creator", "target", "trigger", "state", "created_on"] {
            assert!(p.get(key).is_some(), "pipeline.{key}");
        }
        assert_eq!(p["target"]["type"], "pipeline_ref_target");
    }
    let p = &values[2];
    let uuid = p["uuid"].as_str().unwrap();
    let build = p["build_number"].as_u64().unwrap() as usize;
    let steps = ds.pipeline_steps("acme", "api-service", build);
    assert_eq!(steps.len(), ds.pipeline_step_count("acme", "api-service", build));
    assert!((2..=4).contains(&steps.len()));
    for key in [uuid.to_string(), enc(uuid), uuid.trim_matches(|c| c == '{' || c == '}').to_string()] {
        let page = get_ok(&format!("{base}/pipelines/{key}/steps?pagelen=1&page=2"));
        assert_eq!(page["values"].as_array().unwrap(), &steps, "{key}");
        assert_eq!(page["size"], steps.len());
        assert!(page.get("next").is_none());
        assert_eq!(&get_ok(&format!("{base}/pipelines/{key}")), p);
    }
    assert_eq!(steps[0]["type"], "pipeline_step");
    assert_eq!(steps[0]["pipeline"]["uuid"], uuid);
    let r = get(&format!("{base}/pipelines/%7B00000000-0000-4000-8000-000000000000%7D/steps"), Some(&basic()));
    assert_eq!(r.status, 404);

    let deployments = get_ok(&format!("{base}/deployments?pagelen=100"));
    let dv = numbered(&deployments, ds.deployment_count("acme", "api-service"));
    assert_eq!(dv, ds.deployments("acme", "api-service"));
    assert_eq!(dv.len(), 20);
    let envs = get_ok(&format!("{base}/environments"));
    let ev = numbered(&envs, ds.environment_count("acme", "api-service"));
    assert_eq!(ev, ds.environments("acme", "api-service"));
    let env_names: Vec<&str> = ev.iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(env_names, ["Test", "Staging", "Production"]);
    let env_uuids: BTreeSet<&str> = ev.iter().map(|e| e["uuid"].as_str().unwrap()).collect();
    for d in &dv {
        assert_eq!(d["type"], "deployment");
        assert!(env_uuids.contains(d["environment"]["uuid"].as_str().unwrap()));
        assert!(["COMPLETED", "IN_PROGRESS", "UNDEPLOYED"].contains(&d["state"]["name"].as_str().unwrap()));
        assert_eq!(d["release"]["commit"]["hash"].as_str().unwrap().len(), 40);
    }
}
