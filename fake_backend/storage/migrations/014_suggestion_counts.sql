-- What the suggestions under the search box show and offer (docs/api.md §7.6):
-- `finds`, how many products a search for the word finds, the count a suggestion shows (a
-- word's `products` are the names it was cut from; a search also finds it inside longer
-- words, and x7 starts x70 to x79); `suggested`, whether jieba's ordinary cut of a name
-- gives the word (its search cut also gives pieces of longer words, 算机 of 计算机, which
-- cut queries as the index was cut but are no word to offer). Set when the vocabulary is
-- built (services/search.py).
ALTER TABLE search_words ADD COLUMN finds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE search_words ADD COLUMN suggested INTEGER NOT NULL DEFAULT 0;
-- The vocabulary is built again on start (services/search.ensure_index).
DELETE FROM meta WHERE key = 'search_index';
