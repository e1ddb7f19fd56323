//! Members manage their own grants, in process: `GET /grants` lists the clients holding a
//! grant for the signed-in user, `DELETE /grants/<id>` revokes one of them — with the user's
//! own access token, no `ADMIN_TOKEN`, and never anyone else's grant.

mod support;

use serde_json::{json, Value};
use support::github::*;
use support::*;

/// Signs `login` in through GitHub with a new client; returns the token response.
fn signed_in(s: &Session<'_>, login: &str, id: u64) -> Value {
    github_sign_in(s, login, id, None).1
}

fn bearer(t: &Value) -> String {
    format!("Bearer {}", t["access_token"].as_str().unwrap())
}

fn grants(s: &Session<'_>, t: &Value) -> Vec<Value> {
    let r = s.send("GET", "/grants", &[("Authorization", &bearer(t))], "");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("Cache-Control"), Some("no-store"));
    r.json()["grants"].as_array().unwrap().clone()
}

#[test]
fn a_member_lists_and_revokes_their_own_grants_without_the_admin_token() {
    let w = github_world_with(&[("ALLOWED_USERNAMES", "*"), ("ADMIN_TOKEN", "")]);
    let s = Session::new(&w);
    let laptop = signed_in(&s, "mallory", 666);
    let phone = signed_in(&s, "mallory", 666);
    let other = signed_in(&s, "hubot", 2);

    let mine = grants(&s, &laptop);
    let clients: Vec<&str> = mine
        .iter()
        .map(|g| g["client_id"].as_str().unwrap())
        .collect();
    assert_eq!(mine.len(), 2, "{mine:?}");
    for t in [&laptop, &phone] {
        assert!(
            clients.contains(&t["client_id"].as_str().unwrap()),
            "{mine:?}"
        );
    }
    assert!(mine
        .iter()
        .all(|g| g["scopes"].is_string() && g["grant_id"].is_string()));
    assert!(
        !serde_json::to_string(&mine).unwrap().contains("dva_"),
        "no token in the list"
    );
    let phone_grant = mine
        .iter()
        .find(|g| g["client_id"] == phone["client_id"])
        .unwrap()["grant_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Someone else's grant is not theirs to see or revoke.
    let hubots = grants(&s, &other)[0]["grant_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = s.send(
        "DELETE",
        &format!("/grants/{hubots}"),
        &[("Authorization", &bearer(&laptop))],
        "",
    );
    assert_eq!(
        (r.status, r.json()["error"].clone()),
        (404, json!("not_found")),
        "{}",
        r.body
    );
    assert_eq!(
        s.mcp(other["access_token"].as_str(), "tools/list", json!({}))
            .status,
        200
    );

    let r = s.send(
        "DELETE",
        &format!("/grants/{phone_grant}"),
        &[("Authorization", &bearer(&laptop))],
        "",
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["revoked_grant"], phone_grant.as_str());
    assert_eq!(
        s.mcp(phone["access_token"].as_str(), "tools/list", json!({}))
            .status,
        401
    );
    assert_eq!(
        s.refresh(
            phone["client_id"].as_str().unwrap(),
            phone["refresh_token"].as_str().unwrap()
        )
        .json()["error"],
        "invalid_grant"
    );
    assert_eq!(
        s.mcp(laptop["access_token"].as_str(), "tools/list", json!({}))
            .status,
        200
    );
    assert_eq!(grants(&s, &laptop).len(), 1);
}

#[test]
fn the_grants_endpoint_needs_a_valid_bearer_token_and_a_well_formed_id() {
    let w = world();
    let s = Session::new(&w);
    let r = s.send("GET", "/grants", &[], "");
    assert_eq!(r.status, 401);
    assert!(r.header("WWW-Authenticate").unwrap().starts_with("Bearer "));
    let r = s.send(
        "GET",
        "/grants",
        &[("Authorization", "Bearer dva_forged")],
        "",
    );
    assert_eq!(
        (r.status, r.json()["error"].clone()),
        (401, json!("invalid_token"))
    );
    let client = s.register();
    let (access, _) = s.tokens(&client);
    let auth = format!("Bearer {access}");
    let mine = s
        .send("GET", "/grants", &[("Authorization", &auth)], "")
        .json();
    assert_eq!(
        mine["grants"].as_array().unwrap().len(),
        1,
        "the password owner's own"
    );
    let r = s.send(
        "DELETE",
        &format!("/grants/{}", "x".repeat(200)),
        &[("Authorization", &auth)],
        "",
    );
    assert_eq!(
        (r.status, r.json()["error"].clone()),
        (400, json!("invalid_request"))
    );
    let r = s.send("POST", "/grants", &[("Authorization", &auth)], "");
    assert_eq!(r.status, 405);
}
