//! The session object over real SQLite: questions, answers, replay, timeouts, ending.

use serde_json::json;

use super::*;
use crate::objects::host::TestHost;
use crate::platform::native::ManualClock;

fn live(owner: &str) -> Live {
    Live {
        owner: owner.into(),
        version: "2025-11-25".into(),
        capabilities: json!({"elicitation": {}}),
    }
}

fn session(owner: &str) -> SessionRef {
    SessionRef {
        id: "s1.test".into(),
        owner: owner.into(),
    }
}

fn question(key: &str) -> Question {
    Question {
        key: key.into(),
        method: "elicitation/create".into(),
        params: json!({"message": key}),
    }
}

#[test]
fn a_question_waits_for_its_answer_then_the_stream_ends_with_the_result() {
    let clock = ManualClock::new(1_000);
    let host = TestHost::new(&clock);
    let p = host.platform();
    let s = session("alice");
    pollster::block_on(async {
        s.open(p.objects, live("alice"), 1_000_000).await.unwrap();
        let asked = s
            .pose(
                &p,
                "abc",
                "abc",
                "{\"id\":1}".into(),
                BTreeMap::new(),
                vec!["{\"note\":1}".into()],
                vec![question("a"), question("b")],
                "timeout".into(),
            )
            .await
            .unwrap();
        assert_eq!(asked.len(), 3);
        let request: Value = serde_json::from_str(&asked[1].data).unwrap();
        let id_a = request["id"].as_str().unwrap().to_owned();
        let request: Value = serde_json::from_str(&asked[2].data).unwrap();
        let id_b = request["id"].as_str().unwrap().to_owned();
        // Someone else's answer does not count.
        let mallory = session("mallory");
        assert_eq!(
            mallory.reply(p.objects, &id_a, Ok(json!(1))).await.unwrap(),
            Answered::Unknown
        );
        assert_eq!(
            s.reply(p.objects, &id_a, Ok(json!("A"))).await.unwrap(),
            Answered::Waiting
        );
        let Answered::Ready {
            stream, answers, ..
        } = s.reply(p.objects, &id_b, Ok(json!("B"))).await.unwrap()
        else {
            panic!("not ready")
        };
        assert_eq!(stream, "abc");
        assert_eq!(answers["a"], json!("A"));
        assert_eq!(
            s.reply(p.objects, &id_b, Ok(json!("B"))).await.unwrap(),
            Answered::Unknown,
            "an answer counts once"
        );
        s.finish(p.objects, "abc", Some("abc"), vec!["result".into()], true)
            .await
            .unwrap();
        // A reconnecting client gets what it missed after the event it names.
        let (_, seq) = parse_event_id(&asked[1].id).unwrap();
        let mut open = OpenStream {
            session: s.clone(),
            stream: "abc".into(),
            after: seq,
            ends: true,
            done: false,
        };
        let frames = String::from_utf8(open.poll(p.objects).await.unwrap()).unwrap();
        assert!(frames.contains(&id_b), "{frames}");
        assert!(frames.ends_with("data: result\n\n"), "{frames}");
        assert!(open.done);
    });
}

#[test]
fn an_unanswered_call_ends_with_its_timeout_and_an_ended_session_is_gone() {
    let clock = ManualClock::new(1_000);
    let host = TestHost::new(&clock);
    let p = host.platform();
    let s = session("alice");
    pollster::block_on(async {
        s.open(p.objects, live("alice"), 10_000_000).await.unwrap();
        s.pose(
            &p,
            "abc",
            "abc",
            "{}".into(),
            BTreeMap::new(),
            vec![],
            vec![question("a")],
            "too late".into(),
        )
        .await
        .unwrap();
        let events = s.read(p.objects, "abc", 0).await.unwrap().unwrap();
        assert!(!events.iter().any(|e| e.last));
        clock.advance_ms(ANSWER_TIMEOUT_MS);
        host.objects.evict(BINDING, "s1.test");
        let events = s.read(p.objects, "abc", 0).await.unwrap().unwrap();
        let last = events.last().unwrap();
        assert!(last.last && last.data == "too late", "{events:?}");
        assert_eq!(
            s.touch(p.objects, live("mallory"), 10_000_000)
                .await
                .unwrap(),
            Touched::Gone
        );
        assert!(s.end(p.objects).await.unwrap());
        assert!(!s.end(p.objects).await.unwrap());
        assert_eq!(
            s.touch(p.objects, live("alice"), 10_000_000).await.unwrap(),
            Touched::Gone
        );
        assert_eq!(s.read(p.objects, "abc", 0).await.unwrap(), None);
    });
}

#[test]
fn ids_issued_before_sessions_were_stored_are_honoured_and_event_ids_are_checked() {
    let clock = ManualClock::new(1_000);
    let host = TestHost::new(&clock);
    let p = host.platform();
    let s = session("alice");
    let touched = pollster::block_on(s.touch(p.objects, live("alice"), 5_000)).unwrap();
    assert_eq!(touched, Touched::Live(live("alice")));
    clock.advance_ms(4_000);
    let touched = pollster::block_on(s.touch(p.objects, live("alice"), 5_000)).unwrap();
    assert_eq!(touched, Touched::Gone, "expired");
    assert_eq!(parse_event_id("ab12-7"), Some(("ab12", 7)));
    for bad in ["", "-1", "ab", "ab-x", "a b-1", &"a".repeat(200)] {
        assert_eq!(parse_event_id(bad), None, "{bad}");
    }
}

#[test]
fn subscriptions_are_the_owners_capped_kept_with_their_first_mark_and_go_with_the_session() {
    let clock = ManualClock::new(1_000);
    let host = TestHost::new(&clock);
    let p = host.platform();
    let s = session("alice");
    pollster::block_on(async {
        s.open(p.objects, live("alice"), 1_000_000).await.unwrap();
        let o = p.objects;
        let sub = |uri: String, mark: &str| {
            let (s, mark) = (&s, Some(mark.to_owned()));
            async move { s.subscribe(o, &uri, mark).await.unwrap() }
        };
        assert_eq!(sub("x://b".to_string(), "5").await, Some(true));
        assert_eq!(sub("x://a".to_string(), "1").await, Some(true));
        // Subscribing again keeps where the first watch started.
        assert_eq!(sub("x://a".to_string(), "9").await, Some(true));
        assert_eq!(
            s.subscriptions(o).await.unwrap(),
            Some(vec![
                ("x://a".into(), "1".into()),
                ("x://b".into(), "5".into())
            ])
        );
        // What a stream sent moves the mark; a subscription that is gone is not brought back.
        s.moved(o, "x://a", "12".into()).await.unwrap();
        s.moved(o, "x://gone", "3".into()).await.unwrap();
        assert_eq!(s.subscribe(o, "x://b", None).await.unwrap(), Some(true));
        assert_eq!(
            s.subscriptions(o).await.unwrap(),
            Some(vec![("x://a".into(), "12".into())])
        );
        // Another caller holding the id sees nothing and changes nothing.
        let mallory = session("mallory");
        assert_eq!(mallory.subscriptions(o).await.unwrap(), None);
        assert_eq!(
            mallory
                .subscribe(o, "x://m", Some("0".into()))
                .await
                .unwrap(),
            None
        );
        // At most MAX_SUBSCRIPTIONS.
        for i in 1..MAX_SUBSCRIPTIONS {
            let uri = format!("x://{i}");
            assert_eq!(sub(uri.clone(), "0").await, Some(true));
        }
        assert_eq!(sub("x://over".to_string(), "0").await, Some(false));
        assert_eq!(
            sub("x://a".to_string(), "0").await,
            Some(true),
            "one held already"
        );
        assert!(s.end(o).await.unwrap());
        assert_eq!(s.subscriptions(o).await.unwrap(), None);
    });
}

#[test]
fn replies_read_back_as_written_and_need_their_fields() {
    fn again<T: Serialize + serde::de::DeserializeOwned>(value: &T) -> T {
        serde_json::from_slice(&serde_json::to_vec(value).unwrap()).unwrap()
    }
    let touched = [Touched::Live(live("alice")), Touched::Gone];
    for t in &touched {
        assert_eq!(&again(t), t);
    }
    let unknown = Touched::Live(Live {
        capabilities: Value::Null,
        ..live("bob")
    });
    assert_eq!(again(&unknown), unknown);
    let answered = [
        Answered::Unknown,
        Answered::Waiting,
        Answered::Ready {
            key: "k".into(),
            stream: "s".into(),
            call: r#"{"id":1}"#.into(),
            answers: BTreeMap::from([("a".to_owned(), json!({"action": "accept"}))]),
        },
        Answered::Refused {
            key: "k".into(),
            stream: "s".into(),
            call: "{}".into(),
            error: json!({"code": -1, "message": "no"}),
        },
    ];
    for a in &answered {
        assert_eq!(&again(a), a);
    }
    assert_eq!(
        serde_json::to_value(Touched::Live(live("alice"))).unwrap(),
        json!({"state": "live", "owner": "alice", "version": "2025-11-25",
               "capabilities": {"elicitation": {}}})
    );
    for garbled in [r#"{"state":"live","version":"v"}"#, r#"{"state":"asleep"}"#] {
        assert!(
            serde_json::from_str::<Touched>(garbled).is_err(),
            "{garbled}"
        );
    }
    for garbled in [
        r#"{"outcome":"ready","key":"k","stream":"s","call":"c"}"#,
        r#"{"outcome":"refused","key":"k","call":"c"}"#,
        r#"{"outcome":"lost"}"#,
    ] {
        assert!(
            serde_json::from_str::<Answered>(garbled).is_err(),
            "{garbled}"
        );
    }
}
