use super::*;

fn parse(text: &str) -> Result<SandkastenConfig, ConfigError> {
    SandkastenConfig::parse(text, Path::new("sandkasten.yaml"))
}

#[test]
fn sandkastens_full_example_parses() {
    let cfg = parse(
        r#"
listen: "0.0.0.0:8080"
api_key: "sk-sandbox-quickstart"
default_image: "sandbox-runtime:python"
allowed_images: ["sandbox-runtime:base", "sandbox-runtime:python"]
db_path: "./sandkasten.db"
session_ttl_seconds: 1800
defaults:
  cpu_limit: 1.5
  mem_limit_mb: 1024
  pids_limit: 128
  max_exec_timeout_ms: 120000
  network_mode: "full"
  readonly_rootfs: true
workspace:
  enabled: true
  persist_by_default: false
pool:
  enabled: true
  images:
    sandbox-runtime:python: 3
"#,
    )
    .unwrap();
    assert_eq!(cfg.default_image, "sandbox-runtime:python");
    assert_eq!(cfg.allowed_images.len(), 2);
    assert_eq!(cfg.defaults.cpu_limit, 1.5);
    assert_eq!(cfg.defaults.network_mode, "full");
    assert!(cfg.workspace.enabled);
    assert_eq!(cfg.pool.images["sandbox-runtime:python"], 3);
    assert!(!cfg.read_only);
}

#[test]
fn missing_keys_take_sandkastens_defaults() {
    let cfg = parse("default_image: img\n").unwrap();
    assert_eq!(cfg.session_ttl_seconds, 1800);
    assert_eq!(cfg.defaults, Defaults::default());
    assert!(
        !cfg.workspace.enabled,
        "sandkasten leaves workspaces off by default"
    );
    assert_eq!(parse("").unwrap(), SandkastenConfig::default());
}

#[test]
fn type_errors_name_line_column_and_key() {
    let err = parse("default_image: img\ndefaults:\n  cpu_limit: lots\n").unwrap_err();
    let ConfigError::Parse {
        line,
        column,
        reason,
        ..
    } = &err
    else {
        panic!("expected a parse error, got {err:?}");
    };
    assert_eq!(*line, 3);
    assert!(*column > 1);
    assert!(reason.contains("cpu_limit"), "{reason}");
    assert!(err.to_string().starts_with("sandkasten.yaml:3:"), "{err}");
}

#[test]
fn broken_yaml_is_refused_with_its_location() {
    let err = parse("workspace:\n  enabled: [true\n").unwrap_err();
    assert!(matches!(err, ConfigError::Parse { .. }), "{err:?}");
    assert!(err.to_string().starts_with("sandkasten.yaml:"), "{err}");
}

#[test]
fn nonsense_limits_are_refused() {
    let err = parse("defaults:\n  cpu_limit: 0\n").unwrap_err();
    assert!(err.to_string().contains("cpu_limit"), "{err}");
    let err = parse("default_image: ''\n").unwrap_err();
    assert!(err.to_string().contains("default_image"), "{err}");
}

#[test]
fn env_overrides_apply_and_bad_values_are_named() {
    let mut cfg = SandkastenConfig::default();
    let env = |name: &str| match name {
        "SANDKASTEN_DEFAULT_IMAGE" => Some("img:2".to_owned()),
        "SANDKASTEN_ALLOWED_IMAGES" => Some("a, b".to_owned()),
        "SANDKASTEN_MEM_LIMIT_MB" => Some("2048".to_owned()),
        "SANDKASTEN_WORKSPACE_ENABLED" => Some("true".to_owned()),
        _ => None,
    };
    cfg.apply_env(env).unwrap();
    assert_eq!(cfg.default_image, "img:2");
    assert_eq!(cfg.allowed_images, ["a", "b"]);
    assert_eq!(cfg.defaults.mem_limit_mb, 2048);
    assert!(cfg.workspace.enabled);

    let err = cfg
        .apply_env(|n| (n == "SANDKASTEN_PIDS_LIMIT").then(|| "many".to_owned()))
        .unwrap_err();
    assert!(err.to_string().contains("SANDKASTEN_PIDS_LIMIT"), "{err}");
}

#[test]
fn load_falls_back_to_defaults_only_for_the_implicit_path() {
    let missing = Path::new("/nonexistent/sandkasten.yaml");
    assert!(matches!(
        load(Some(missing), |_| None),
        Err(ConfigError::Read { .. })
    ));
}

#[test]
fn the_shipped_sample_parses() {
    let text = include_str!("../../sandkasten.yaml");
    let cfg = parse(text).unwrap();
    assert!(cfg.workspace.enabled);
}
