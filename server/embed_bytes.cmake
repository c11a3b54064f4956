# Script mode (cmake -DIN=... -DOUT=... -DSYMBOL=... -P embed_bytes.cmake):
# writes a C++ file defining persona::server::<SYMBOL>[] with the bytes of IN
# and <SYMBOL>Size, for data the binary must carry (config.proto's
# descriptors with their comments, for --help).
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}.tmp"
  "// Generated from ${IN} by server/embed_bytes.cmake; do not edit.\n"
  "#include <cstddef>\n"
  "namespace persona::server {\n"
  "extern const unsigned char ${SYMBOL}[];\n"
  "extern const size_t ${SYMBOL}Size;\n"
  "const unsigned char ${SYMBOL}[] = {\n${bytes}0};\n"
  "const size_t ${SYMBOL}Size = sizeof(${SYMBOL}) - 1;\n"
  "}  // namespace persona::server\n")
file(RENAME "${OUT}.tmp" "${OUT}")
