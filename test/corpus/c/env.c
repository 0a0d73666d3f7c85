/* getenv/environ/setenv/unsetenv/putenv and argv. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
extern char **environ;

int main(int argc, char **argv) {
  for (int i = 0; i < argc; i++) printf("argv[%d]=%s\n", i, i == 0 ? "(program)" : argv[i]);
  int n = 0; for (char **e = environ; *e; e++) printf("environ[%d]=%s\n", n++, *e);
  printf("PATH=%s HOME=%s TZ=%s MISSING=%s\n", getenv("PATH"), getenv("HOME"), getenv("TZ"), getenv("MISSING") ? "set" : "(null)");
  setenv("NEWVAR", "one", 0); setenv("NEWVAR", "two", 0); printf("NEWVAR=%s\n", getenv("NEWVAR"));
  setenv("NEWVAR", "three", 1); printf("NEWVAR=%s\n", getenv("NEWVAR"));
  static char put[] = "PUTVAR=from putenv"; putenv(put); printf("PUTVAR=%s\n", getenv("PUTVAR"));
  unsetenv("HOME"); printf("HOME after unset=%s\n", getenv("HOME") ? getenv("HOME") : "(null)");
  n = 0; for (char **e = environ; *e; e++) n++;
  printf("environ count=%d\n", n);
  return 0;
}
