"""The long descriptions of the demo space: Markdown with tables, code, SQL plans and Vietnamese.

Plain data, kept apart from `texts.py`'s short corpora so each stays readable.
"""

from __future__ import annotations

__all__ = ["LONG_MARKDOWN_EN", "LONG_MARKDOWN_JA", "PARENT_DESCRIPTION", "VIETNAMESE_DESCRIPTION"]

LONG_MARKDOWN_JA = """## 背景

現在の課題一覧 API は 1 リクエストあたり最大 100 件までしか返せないため、
大きなプロジェクトではページングが必須です。一方でフロントエンドは
`offset` を使わずに全件を取得しようとしており、タイムアウトが多発しています。

## 目的

- 一覧表示の初期表示を **1 秒以内** にする
- 100 件を超える場合も取りこぼしなく表示する
- レート制限 (search: 150 回/分) に抵触しない

## 現状の計測結果

| 画面 | 件数 | 平均応答 (ms) | p95 (ms) | 備考 |
|---|---:|---:|---:|---|
| 課題一覧 | 20 | 420 | 910 | 既定値 |
| 課題一覧 | 100 | 1,380 | 2,950 | 上限 |
| 検索結果 | 100 | 1,720 | 3,400 | キーワードあり |
| ダッシュボード | 5 | 210 | 380 | キャッシュ有効 |

## 方針

1. 一覧は `count=100` + `offset` でページングする
2. 総件数は `/api/v2/issues/count` で取得する
3. 取得結果は 60 秒キャッシュする
   - キーは検索条件のハッシュ
   - 更新系の操作でキャッシュを破棄
4. 429 が返った場合は `X-RateLimit-Reset` まで待機する

### 実装イメージ

```python
async def fetch_all(client, params):
    total = await client.count_issues(params)
    issues = []
    for offset in range(0, total, 100):
        page = await client.list_issues({**params, "offset": offset, "count": 100})
        issues.extend(page)
    return issues
```

### 懸念点

> 件数取得と一覧取得の間に課題が追加されると、件数がずれる可能性がある。

これは許容する (次回の更新で解消される) 方針とします。

## 作業項目

- [x] 計測スクリプトの作成
- [x] API 仕様の確認
- [ ] ページング実装
- [ ] キャッシュ実装
- [ ] 負荷試験
- [ ] ドキュメント更新

## 付録 A: 計測スクリプト

```python
import statistics
import time

import httpx


def measure(url: str, params: dict[str, str], runs: int = 20) -> dict[str, float]:
    # 同じ条件で runs 回リクエストし、平均と p95 を返す。
    samples = []
    with httpx.Client(timeout=30) as client:
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(url, params=params)
            response.raise_for_status()
            samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "mean": statistics.fmean(samples),
        "p95": samples[int(len(samples) * 0.95) - 1],
    }
```

## 付録 B: 使用するパラメータ

| パラメータ | 型 | 既定値 | 説明 |
|---|---|---|---|
| `projectId[]` | 数値 (複数) | なし | 対象プロジェクト |
| `statusId[]` | 数値 (複数) | なし | 状態で絞り込み |
| `assigneeId[]` | 数値 (複数) | なし | 担当者で絞り込み |
| `keyword` | 文字列 | なし | 件名・詳細のキーワード |
| `sort` | 文字列 | `updated` | 並び替えのキー |
| `order` | `asc` / `desc` | `desc` | 並び順 |
| `offset` | 数値 | 0 | 取得開始位置 |
| `count` | 数値 | 20 | 取得件数 (1〜100) |
| `updatedSince` | `yyyy-MM-dd` | なし | 更新日の下限 |
| `updatedUntil` | `yyyy-MM-dd` | なし | 更新日の上限 |

## 付録 C: 議事メモ (抜粋)

1. **2025-04-10 定例**
   - 計測結果を共有。100 件取得時の p95 が 3 秒近い。
   - ダッシュボードは別課題で対応する。
2. **2025-05-08 定例**
   - キャッシュの TTL は 60 秒で合意。
   - レート制限の残り回数をログに出す。
3. **2025-06-12 定例**
   - ベトナムチームから負荷試験の結果を共有 (Kết quả kiểm thử tải)。
   - 429 の発生は 0 件。

## 参考

- Backlog API: 課題一覧の取得
- 社内 Wiki: パフォーマンス改善ガイドライン
"""

LONG_MARKDOWN_EN = """# Incident review: checkout latency spike

## Summary

Between 09:12 and 09:47 JST the checkout endpoint answered with a p95 of **8.4 s**.
No data was lost. Root cause: a missing index after the schema migration `0042_orders`.

## Timeline (JST)

| time | event |
|---|---|
| 09:12 | alert `checkout_p95 > 2s` fires |
| 09:15 | on-call acknowledges, starts investigation |
| 09:28 | slow query identified (`orders` full scan) |
| 09:41 | index created concurrently |
| 09:47 | latency back to normal |

## Root cause

```sql
SELECT * FROM orders WHERE customer_id = $1 AND status = 'pending' ORDER BY created_at DESC;
-- the composite index (customer_id, status, created_at) was dropped by 0042
```

## Action items

1. Add a migration check that compares indexes before/after (owner: DB team)
2. Alert on sequential scans of tables > 1M rows
3. Document the rollback procedure in the runbook
   - include the `CREATE INDEX CONCURRENTLY` command
   - include the expected duration on production data

## Lessons learned

- The staging data set is too small to show the problem.
- Dashboards were fine; the alert threshold was right.

## Appendix: query plan before the fix

```text
Sort  (cost=184223.41..184223.42 rows=3 width=412)
  Sort Key: created_at DESC
  ->  Seq Scan on orders  (cost=0.00..184223.39 rows=3 width=412)
        Filter: ((customer_id = 42) AND (status = 'pending'::text))
        Rows Removed by Filter: 4812231
Planning Time: 0.211 ms
Execution Time: 8391.554 ms
```

## Appendix: query plan after the fix

```text
Index Scan Backward using orders_customer_status_created on orders  (cost=0.56..12.61 rows=3 width=412)
  Index Cond: ((customer_id = 42) AND (status = 'pending'::text))
Planning Time: 0.190 ms
Execution Time: 0.047 ms
```
"""

PARENT_DESCRIPTION = """# 設計レビュー: 添付ファイル管理の刷新

この親課題では、添付ファイル周りの改修をまとめて管理します。
子課題として **API 側の対応** と **画面側の対応** を切り出しています。

## 添付資料

| ファイル | 内容 |
|---|---|
| `screenshot.png` | 現行画面のスクリーンショット |
| `設計書.txt` | 設計書 (ドラフト) |
| `data.csv` | 移行対象ファイルの一覧 |
| `notes.txt` | 打ち合わせメモ |
| `server-log-large.log` | 障害発生時のサーバーログ (約 6 MiB) |

![現行画面](screenshot.png)

## 要件

1. ファイル名に日本語やベトナム語 (例: `Báo cáo tháng 3.xlsx`) を使えること
2. パス区切り文字 (`/`, `\\`) を含む名前は安全に扱うこと
3. Windows の予約名 (`CON`, `PRN`, `AUX` など) でも保存できること
4. 同名ファイルが複数あっても区別できること

## 非機能要件

- 30 MiB までのファイルをストリーミングで扱う
- ダウンロードは `Content-Disposition` の `filename*` を正しく解釈する

```text
Content-Disposition: attachment; filename*=UTF-8''%E8%A8%AD%E8%A8%88%E6%9B%B8.txt
```

## スケジュール

- [x] 要件定義
- [ ] 設計レビュー
- [ ] 実装 (DEMO-2, DEMO-3)
- [ ] 受け入れテスト
"""

VIETNAMESE_DESCRIPTION = """* Mô tả

Khi người dùng mở ứng dụng lần đầu tiên, màn hình chào mừng hiển thị sai phông chữ
và các dấu tiếng Việt (ă, â, đ, ê, ô, ơ, ư) bị vỡ trên một số thiết bị Android cũ.

** Các bước tái hiện

+ Cài đặt ứng dụng phiên bản 1.0.3
+ Chọn ngôn ngữ "Tiếng Việt"
+ Mở màn hình chào mừng

** Kết quả mong đợi

Văn bản "Chào mừng bạn đến với ứng dụng của chúng tôi!" hiển thị đúng.

** Thiết bị bị ảnh hưởng

|Thiết bị|Phiên bản Android|Trạng thái|h
|Samsung Galaxy A10|9|Lỗi|
|Xiaomi Redmi 7|9|Lỗi|
|Google Pixel 6|14|Bình thường|

{code}
Typeface.createFromAsset(getAssets(), "fonts/NotoSans-Regular.ttf")
{/code}
"""
