//! Timings of the simulator at scale (the README's figures): creates, listings and a
//! report-like pass over 10,000 associations with managed things, over HTTP/1.1 in-process.
//! `N=10000 K=5 cargo run --release -p iotmi-simulator --example scale_probe`. The client is
//! a few lines of keep-alive HTTP/1.1 by hand: the simulator depends on no HTTP client, and
//! this probe should not add one.
use std::time::Instant;

use iotmi_simulator::SimConfig;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/iotmanagedintegrations/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc";

struct Conn {
    stream: BufReader<TcpStream>,
}

impl Conn {
    async fn open(addr: std::net::SocketAddr) -> Self {
        let s = TcpStream::connect(addr).await.unwrap();
        s.set_nodelay(true).unwrap();
        Self {
            stream: BufReader::new(s),
        }
    }
    async fn call(&mut self, method: &str, path: &str, body: &str) -> (u16, serde_json::Value) {
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: x\r\nAuthorization: {AUTH}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        self.stream
            .get_mut()
            .write_all(req.as_bytes())
            .await
            .unwrap();
        let mut line = String::new();
        self.stream.read_line(&mut line).await.unwrap();
        let status: u16 = line.split(' ').nth(1).unwrap().parse().unwrap();
        let mut len = 0usize;
        loop {
            line.clear();
            self.stream.read_line(&mut line).await.unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                len = v.trim().parse().unwrap();
            }
        }
        let mut buf = vec![0; len];
        self.stream.read_exact(&mut buf).await.unwrap();
        (
            status,
            serde_json::from_slice(&buf).unwrap_or(serde_json::Value::Null),
        )
    }
}

async fn list_all(addr: std::net::SocketAddr, path: &str, key: &str) -> (usize, usize) {
    let mut c = Conn::open(addr).await;
    let (mut items, mut pages, mut token) = (0, 0, None::<String>);
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let p = match &token {
            Some(t) => format!("{path}{sep}NextToken={t}"),
            None => path.to_owned(),
        };
        let (status, body) = c.call("GET", &p, "").await;
        assert_eq!(status, 200, "{body}");
        items += body[key].as_array().unwrap().len();
        pages += 1;
        token = body["NextToken"].as_str().map(str::to_owned);
        if token.is_none() {
            return (items, pages);
        }
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: usize = std::env::var("N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let k: usize = std::env::var("K")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    // 1. Create N GA associations over HTTP, 4 connections.
    let sim = iotmi_simulator::start(SimConfig {
        approve_after_ms: 0,
        ..Default::default()
    })
    .await
    .unwrap();
    let addr = sim.addr;
    let t = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..4 {
        tasks.push(tokio::spawn(async move {
            let mut c = Conn::open(addr).await;
            for i in (w..n).step_by(4) {
                let body = format!(r#"{{"ClientToken":"tok-{i}","ConnectorDestinationId":"brightlight-api-key","Name":"Row {i}","GeneralAuthorization":{{"AuthMaterialName":"api-key"}}}}"#);
                let (s, b) = c.call("POST", "/account-associations", &body).await;
                assert_eq!(s, 201, "{b}");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    println!(
        "create {n} GA associations over HTTP (4 conns): {:?}",
        t.elapsed()
    );
    let t = Instant::now();
    let (items, pages) = list_all(addr, "/account-associations?MaxResults=100", "Items").await;
    println!(
        "list all ({items} items, {pages} pages of 100): {:?}",
        t.elapsed()
    );
    let t = Instant::now();
    let (items, pages) = list_all(
        addr,
        "/account-associations?MaxResults=100&ConnectorDestinationId=acme-home-us",
        "Items",
    )
    .await;
    println!(
        "list by an almost empty destination ({items} items, {pages} pages): {:?}",
        t.elapsed()
    );
    // Replays of the same tokens.
    let t = Instant::now();
    let mut c = Conn::open(addr).await;
    for i in 0..1000 {
        let body = format!(
            r#"{{"ClientToken":"tok-{i}","ConnectorDestinationId":"brightlight-api-key","Name":"Row {i}","GeneralAuthorization":{{"AuthMaterialName":"api-key"}}}}"#
        );
        let (s, _) = c.call("POST", "/account-associations", &body).await;
        assert_eq!(s, 201);
    }
    println!("1,000 replays by ClientToken: {:?}", t.elapsed());
    sim.shutdown().await;

    // 2. N associations with K registered managed things each, seeded through a seed file.
    let mut fixtures: serde_json::Value =
        serde_json::from_str(include_str!("../assets/fixtures.json")).unwrap();
    let seeds: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            serde_json::json!({
                "AccountAssociationId": format!("{:032x}", i + 1),
                "ConnectorDestinationId": "brightlight-api-key",
                "Name": format!("Seeded {i}"),
                "GeneralAuthorization": {"AuthMaterialName": "api-key"},
                "ManagedThings": k,
            })
        })
        .collect();
    fixtures["AccountAssociations"] = seeds.into();
    let path = std::env::temp_dir().join("scale_probe_seed.json");
    std::fs::write(&path, fixtures.to_string()).unwrap();
    let t = Instant::now();
    let sim = iotmi_simulator::start(SimConfig {
        seed: Some(path),
        devices: k,
        ..Default::default()
    })
    .await
    .unwrap();
    println!(
        "start with {n} seeded associations x {k} things: {:?}",
        t.elapsed()
    );
    let addr = sim.addr;
    let t = Instant::now();
    let (items, pages) = list_all(addr, "/account-associations?MaxResults=100", "Items").await;
    println!("list all ({items} items, {pages} pages): {:?}", t.elapsed());
    let sample = 1000.min(n);
    let t = Instant::now();
    let mut c = Conn::open(addr).await;
    let mut things = 0;
    for i in (0..n).step_by(n / sample) {
        let id = format!("{:032x}", i + 1);
        let (s, _) = c
            .call("GET", &format!("/account-associations/{id}"), "")
            .await;
        assert_eq!(s, 200);
        let (s, b) = c
            .call(
                "GET",
                &format!("/managed-thing-associations?AccountAssociationId={id}"),
                "",
            )
            .await;
        assert_eq!(s, 200);
        things += b["Items"].as_array().unwrap().len();
    }
    println!(
        "report-like: Get + ListManagedThingAccountAssociations for {sample} associations ({things} links): {:?}",
        t.elapsed()
    );
    let t = Instant::now();
    let (items, pages) = list_all(addr, "/managed-things?MaxResults=100", "Items").await;
    println!(
        "list all managed things ({items} items, {pages} pages): {:?}",
        t.elapsed()
    );
    sim.shutdown().await;

    // 3. The same account through --associations/--things-per-association, then a report-like
    // pass over all of it at concurrency 4.
    let t = Instant::now();
    let sim = iotmi_simulator::start(SimConfig {
        associations: n,
        things_per_association: k,
        ..Default::default()
    })
    .await
    .unwrap();
    println!(
        "start with --associations {n} --things-per-association {k}: {:?}",
        t.elapsed()
    );
    let addr = sim.addr;
    let t = Instant::now();
    let mut c = Conn::open(addr).await;
    let mut ids = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let p = match &token {
            Some(t) => format!("/account-associations?MaxResults=100&NextToken={t}"),
            None => "/account-associations?MaxResults=100".into(),
        };
        let (_, body) = c.call("GET", &p, "").await;
        ids.extend(
            body["Items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["AccountAssociationId"].as_str().unwrap().to_owned()),
        );
        token = body["NextToken"].as_str().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    let ids = std::sync::Arc::new(ids);
    let mut tasks = Vec::new();
    for w in 0..4 {
        let ids = ids.clone();
        tasks.push(tokio::spawn(async move {
            let mut c = Conn::open(addr).await;
            let mut links = 0;
            for id in ids.iter().skip(w).step_by(4) {
                let (s, _) = c
                    .call("GET", &format!("/account-associations/{id}"), "")
                    .await;
                assert_eq!(s, 200);
                let (s, b) = c
                    .call(
                        "GET",
                        &format!("/managed-thing-associations?AccountAssociationId={id}"),
                        "",
                    )
                    .await;
                assert_eq!(s, 200);
                links += b["Items"].as_array().unwrap().len();
            }
            links
        }));
    }
    let mut links = 0;
    for t in tasks {
        links += t.await.unwrap();
    }
    println!(
        "report-like over all {} associations at concurrency 4 ({links} links): {:?}",
        ids.len(),
        t.elapsed()
    );
    sim.shutdown().await;
}
