-- Search as Chinese shoppers type (services/search_text.py, storage/search.py).
-- products_terms: per product, the words jieba cut from its name, its brand and its
-- category names (zh and en), and the pinyin of the name's and brand's Chinese words, full
-- and initials, alone and for each two neighbouring words (华为耳机 → huawei erji
-- huaweierji hw ej hwej). One token each, written space-separated: BM25 over these gives
-- relevance, and a pinyin prefix query (`"huaw"*`) finds the products a pinyin term means.
-- Filled by storage/search.index_products; rebuilt whole by `kshop-backend reindex`.
CREATE VIRTUAL TABLE products_terms USING fts5(
    words, brand, category, pinyin,
    tokenize = 'unicode61 remove_diacritics 0',
    prefix = '2 3 4'
);
-- The catalogue's vocabulary: every word, brand and category name a search can complete
-- to or segment a query with, with its pinyin, how many products hold it and their sales.
CREATE TABLE search_words (
    word TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('brand', 'category', 'word')),
    pinyin TEXT NOT NULL,
    initials TEXT NOT NULL,
    products INTEGER NOT NULL,
    sales INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX search_words_pinyin ON search_words(pinyin);
CREATE INDEX search_words_initials ON search_words(initials);
-- The pinyin of every ideograph in the catalogue's names and brands: what highlighting a
-- pinyin term reads, so that answering a search needs neither jieba nor pypinyin.
CREATE TABLE search_chars (
    char TEXT PRIMARY KEY,
    pinyin TEXT NOT NULL
) WITHOUT ROWID;
-- The last searches a user submitted, newest first; services/search.py keeps ten.
CREATE TABLE search_history (
    user_id INTEGER NOT NULL REFERENCES users(id),
    q TEXT NOT NULL,
    searched_at REAL NOT NULL,
    PRIMARY KEY (user_id, q)
);
CREATE INDEX search_history_recent ON search_history(user_id, searched_at DESC);
