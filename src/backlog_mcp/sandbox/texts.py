"""Text corpora for the demo space: summaries, short descriptions and comments in ja / vi / en.

The long Markdown descriptions of the pinned issues live in `descriptions.py`.

Plain data. Summaries are built as subject x problem pairs so every issue gets a distinct one
without a hand-written list per issue.
"""

from __future__ import annotations

__all__ = [
    "COMMENTS_EN",
    "COMMENTS_JA",
    "COMMENTS_VI",
    "SHORT_DESCRIPTIONS_EN",
    "SHORT_DESCRIPTIONS_JA",
    "SUMMARY_PARTS",
    "VN_BACKLOG_DESCRIPTIONS",
]

# (subjects, problems) per language; a summary is subject + problem.
SUMMARY_PARTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "ja": (
        (
            "ログイン画面",
            "課題一覧",
            "ダッシュボード",
            "CSV エクスポート",
            "通知メール",
            "検索 API",
            "ファイルアップロード",
            "管理画面",
            "請求書 PDF",
            "ユーザー設定",
        ),
        (
            "で表示が崩れる",
            "のレスポンスが遅い (3 秒以上)",
            "で 500 エラーが発生する",
            "の文言を修正する",
            "にページングを追加する",
            "の自動テストを追加する",
            "で文字化けする (Shift_JIS)",
            "のアクセシビリティを改善する",
        ),
    ),
    "en": (
        (
            "Settings page",
            "Checkout flow",
            "Issue list",
            "Webhook delivery",
            "Audit log",
            "Session handling",
        ),
        (
            ": add dark mode toggle",
            " times out on CI",
            ": improve error message",
            " leaks memory under load",
            ": remove deprecated v1 endpoint",
        ),
    ),
    "vi": (
        (
            "Màn hình đăng nhập",
            "Trang thanh toán",
            "Thông báo đẩy",
            "Danh sách đơn hàng",
            "Hồ sơ người dùng",
            "Tìm kiếm sản phẩm",
            "Giỏ hàng",
        ),
        (
            " bị lỗi hiển thị trên màn hình nhỏ",
            " tải chậm khi mạng yếu",
            " không lưu được dữ liệu",
            ": thêm bản dịch tiếng Việt",
            ": cải thiện trải nghiệm người dùng",
            " bị treo sau khi cập nhật",
        ),
    ),
    "ops": (
        (
            "Production database",
            "CI pipeline",
            "Load balancer",
            "Nightly backup job",
            "TLS certificate",
            "Log shipping",
            "Kubernetes cluster",
        ),
        (
            " needs capacity review",
            " failing intermittently",
            ": rotate credentials",
            ": upgrade to the latest version",
            ": document the runbook",
            " shows high latency at peak hours",
        ),
    ),
}

SHORT_DESCRIPTIONS_JA: tuple[str, ...] = (
    "再現手順は以下の通りです。\n\n1. 管理者でログイン\n2. 設定 > ユーザー を開く\n3. 「保存」を押す\n\n"
    "期待値: 保存完了のメッセージが出る\n実際: 画面が固まる",
    "お客様から問い合わせがありました。優先度は中で対応をお願いします。",
    "本番環境でのみ発生。ステージングでは再現しません。ログは添付を参照してください。",
    "仕様は Wiki の「画面仕様 v3」に従ってください。不明点はこの課題にコメントで。",
    "- [ ] 調査\n- [ ] 修正\n- [ ] レビュー\n- [ ] リリース",
    "**暫定対応済み**。恒久対応として設定値の見直しが必要です。",
    "前回のリリース (v1.1) から発生しているようです。差分を確認します。",
    "Chrome / Edge では問題なし。Safari 17 と Firefox ESR で再現。",
)

SHORT_DESCRIPTIONS_EN: tuple[str, ...] = (
    "Steps to reproduce:\n\n1. Open the page\n2. Click *Save* twice\n3. Observe the duplicate request",
    "Customer report via support. See the attached log for details.",
    "Happens only in production. Staging is fine.",
    "Follow-up of the incident review. Owner: on-call engineer of the week.",
    "Acceptance criteria:\n\n- works on mobile\n- no regression in the checkout flow\n- docs updated",
    "Low priority, but it keeps coming up in the weekly sync.",
)

VN_BACKLOG_DESCRIPTIONS: tuple[str, ...] = (
    "* Yêu cầu\n\n- Thêm nút ''Đặt lại mật khẩu'' trên màn hình đăng nhập\n- Gửi email xác nhận\n\n"
    "* Ghi chú\n\nTham khảo [[tài liệu thiết kế>https://example.com/design]].",
    "Người dùng báo lỗi qua email. Cần kiểm tra lại trên iOS 17.&br;Ưu tiên: trung bình.",
    "* Kiểm thử\n\n+ Đăng nhập\n+ Thêm sản phẩm vào giỏ hàng\n+ Thanh toán bằng thẻ\n\n"
    "{quote}Lỗi chỉ xảy ra khi mạng 3G.{/quote}",
    "Đã sửa tạm thời. Cần giải pháp lâu dài cho phiên bản 1.2.",
)

COMMENTS_JA: tuple[str, ...] = (
    "確認しました。明日までに調査します。",
    "再現しました。Safari 17.2 でのみ発生します。",
    "修正をプッシュしました。レビューをお願いします。",
    "レビューしました。2 点だけコメントしています。\n\n- 変数名 `tmp` は具体的に\n- テストケースの追加",
    "本番に反映済みです。しばらく様子を見ます。",
    "お客様に確認したところ、解消したとのことです。",
    "原因はタイムゾーンの変換漏れでした。UTC のまま比較していました。",
    "優先度を上げます。来週のリリースに含めたいです。",
    "担当を変更します。よろしくお願いします。",
    "この件、別の課題と重複していませんか？",
    "ログを添付します。09:12 頃のエラーが該当箇所です。",
    "```\nTraceback (most recent call last):\n  File \"app.py\", line 42, in handler\nKeyError: 'id'\n```",
    "了解です 👍",
    "仕様を確認しました。現状の動作で正しいようです。",
    "期限を延長します。依存している課題が遅れているためです。",
    "負荷試験の結果: p95 が 2.1 秒 → 0.6 秒に改善しました。",
)

COMMENTS_VI: tuple[str, ...] = (
    "Mình đã kiểm tra, lỗi xảy ra trên Android 9.",
    "Đã sửa xong, nhờ anh chị review giúp.",
    "Cảm ơn bạn! Mình sẽ kiểm thử lại vào ngày mai.",
    "Lỗi này trùng với một vấn đề đã báo trước đó.",
    "Khách hàng xác nhận đã hết lỗi.",
    "Mình chuyển người phụ trách sang chị Bích nhé.",
    "Đính kèm ảnh chụp màn hình để mọi người tham khảo.",
    "Phiên bản 1.0.4 đã được phát hành lên cửa hàng.",
    "Tạm hoãn vì đang chờ phản hồi từ đối tác thanh toán.",
    "Đã thêm bản dịch tiếng Việt cho các thông báo lỗi.",
)

COMMENTS_EN: tuple[str, ...] = (
    "Looking into it now.",
    "Reproduced on staging. Root cause looks like a race in the cache layer.",
    "PR is up, please review.",
    "LGTM, merging.",
    "Deployed to production at 14:05 JST.",
    "Can we close this? No reports since the fix.",
    "Bumping priority, this blocks the release.",
    "Added a runbook entry for this alert.",
    "Still seeing it occasionally, reopening.",
    "Thanks, confirmed fixed on my side.",
)
