# Attribution and shown items: the pure arithmetic on hand-built events, and
# the placement figures through the real RocksDB store.
persona_test(storage_attribution_test
  SOURCES attribution_test.cc attribution_shown_test.cc attribution_db_test.cc
  LIBS persona_storage RocksDB::rocksdb)
