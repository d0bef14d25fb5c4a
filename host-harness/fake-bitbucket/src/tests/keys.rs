//! SSH and GPG keys of any account, by `{uuid}` or account id.

use super::*;

#[test]
fn ssh_and_gpg_keys_of_any_account() {
    let fake = start();
    let ds = fake.dataset();
    let b = fake.base_url();
    let me = ds.current_user();
    let pool = ds.users();
    for user in [&me, &pool[0], &pool[1]] {
        for key in [user["uuid"].as_str().unwrap(), user["account_id"].as_str().unwrap()] {
            let ssh = ds.ssh_keys(key);
            assert!((1..=3).contains(&ssh.len()));
            assert_eq!(numbered(&get_ok(&format!("{b}/users/{}/ssh-keys", enc(key))), ssh.len()), ssh);
            assert!(ssh.iter().all(|k| k["owner"]["uuid"] == user["uuid"]
                && k["fingerprint"].as_str().unwrap().starts_with("SHA256:")
                && k["key"].as_str().unwrap().starts_with("ssh-ed25519 ")));
            let gpg = ds.gpg_keys(key);
            assert_eq!(numbered(&get_ok(&format!("{b}/users/{}/gpg-keys", enc(key))), gpg.len()), gpg);
            for k in &gpg {
                let fingerprint = k["fingerprint"].as_str().unwrap();
                assert_eq!(fingerprint.len(), 40);
                assert!(fingerprint.ends_with(k["key_id"].as_str().unwrap()));
                assert!(k["key"].as_str().unwrap().starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----"));
                assert_eq!(k["subkeys"][0]["parent_fingerprint"], fingerprint);
            }
        }
    }
    assert_ne!(ds.ssh_keys(me["uuid"].as_str().unwrap()), ds.ssh_keys(pool[0]["uuid"].as_str().unwrap()));
    assert_error(&get(&format!("{b}/users/%7Bnope%7D/ssh-keys"), Some(&basic())), 404, "User {nope} not found");
}
