#!/usr/bin/env python3
# embed-text.py - writes a C file defining a text file's bytes as a string (used by meson).
# usage: tools/embed-text.py INPUT OUTPUT SYMBOL
#   defines: const char SYMBOL[]; const unsigned long SYMBOL_len;
import sys

src, dst, sym = sys.argv[1:4]
data = open(src, 'rb').read()
with open(dst, 'w') as out:
    out.write('/* %s - generated from %s by tools/embed-text.py. */\n' % (dst.split('/')[-1], src.split('/')[-1]))
    out.write('extern const char %s[];\nextern const unsigned long %s_len;\n' % (sym, sym))
    # An initializer list, not a string literal: ISO C limits literals to
    # 4095 bytes (-Woverlength-strings).
    out.write('const char %s[] = {\n' % sym)
    for i in range(0, len(data), 16):
        out.write('    %s,\n' % ', '.join('0x%02x' % b for b in data[i:i + 16]))
    out.write('    0x00,\n};\nconst unsigned long %s_len = %d;\n' % (sym, len(data)))
