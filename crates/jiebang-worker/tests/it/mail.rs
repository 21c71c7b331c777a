//! The mailer against a real SMTP conversation on loopback: a pending e-mail is delivered once
//! with its subject and absolute link, and an unreachable server leaves it pending for a retry.

use jiebang_store::testing::TestStore;
use jiebang_worker::Mailer;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// A minimal SMTP server that accepts every message and hands back the envelope and data.
async fn smtp_server() -> (String, tokio::sync::mpsc::UnboundedReceiver<String>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            let tx = tx.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 test ESMTP\r\n").await.unwrap();
                let (mut transcript, mut in_data) = (String::new(), false);
                while let Ok(Some(line)) = lines.next_line().await {
                    transcript.push_str(&line);
                    transcript.push('\n');
                    let reply: &[u8] = if in_data {
                        if line != "." {
                            continue;
                        }
                        in_data = false;
                        b"250 queued\r\n"
                    } else if line.starts_with("EHLO") {
                        b"250-test\r\n250 8BITMIME\r\n"
                    } else if line == "DATA" {
                        in_data = true;
                        b"354 go on\r\n"
                    } else if line == "QUIT" {
                        write.write_all(b"221 bye\r\n").await.unwrap();
                        break;
                    } else {
                        b"250 ok\r\n"
                    };
                    write.write_all(reply).await.unwrap();
                }
                let _ = tx.send(transcript);
            });
        }
    });
    (format!("smtp://127.0.0.1:{port}"), rx)
}

#[tokio::test]
async fn pending_notifications_are_mailed_once_and_an_unreachable_server_leaves_them_pending() {
    let t = TestStore::new().await;
    let user = t.store.create_user("lead@example.cn", "牵头单位联系人", "correct-horse-1").await.unwrap();
    t.store
        .notify_user(
            user.id,
            "application.return",
            "退回修改：云鼎化工行业大模型",
            "理由：请补充预算",
            "/applications/7",
        )
        .await
        .unwrap();

    // Nothing listens on this port: the attempt is recorded and the mail stays pending.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
    let down = Mailer::new(
        &format!("smtp://127.0.0.1:{closed}"),
        "揭榜平台 <noreply@example.cn>",
        "https://jiebang.example.cn/",
    )
    .unwrap();
    assert_eq!(down.deliver(&t.store, 10).await.unwrap(), 0);
    let pending = t.store.pending_mail(10).await.unwrap();
    assert_eq!((pending.len(), pending[0].attempts), (1, 1));

    let (url, mut transcripts) = smtp_server().await;
    let mailer = Mailer::new(&url, "揭榜平台 <noreply@example.cn>", "https://jiebang.example.cn/").unwrap();
    assert_eq!(mailer.deliver(&t.store, 10).await.unwrap(), 1);
    let transcript = transcripts.recv().await.unwrap();
    assert!(transcript.contains("RCPT TO:<lead@example.cn>"), "{transcript}");
    assert!(transcript.contains("MAIL FROM:<noreply@example.cn>"), "{transcript}");
    assert!(transcript.contains("Subject: "), "{transcript}");
    assert!(t.store.pending_mail(10).await.unwrap().is_empty(), "sent once, not again");
    assert_eq!(mailer.deliver(&t.store, 10).await.unwrap(), 0);
    assert!(Mailer::new("ftp://nowhere", "x <a@b.cn>", "").is_err());
    assert!(Mailer::new(&url, "not an address", "").is_err());
}
