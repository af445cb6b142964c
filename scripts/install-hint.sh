#!/usr/bin/env bash
# Printed by `make install` for a prefix the system loader does not search (LIBDIR, PCDIR from
# the Makefile): how programs find the library there.
cat <<TEXT

ldredis is installed in
  $LIBDIR
which the system loader does not search (so ldconfig was not run). To build a program that
finds it there:

  export PKG_CONFIG_PATH=$PCDIR\${PKG_CONFIG_PATH:+:\$PKG_CONFIG_PATH}
  cc app.c \$(pkg-config --cflags --libs ldredis) -Wl,-rpath,\$(pkg-config --variable=libdir ldredis) -o app

(the rpath records $LIBDIR in the program), or at run time:

  export LD_LIBRARY_PATH=$LIBDIR\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}

Python: LDREDIS_LIBRARY=$LIBDIR/libldredis.so.1 (or install the wheel: make wheel).
TEXT
