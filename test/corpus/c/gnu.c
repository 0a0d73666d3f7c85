/* glibc-only interfaces (not built with musl): argp, error(), obstack, memfrob, strverscmp, program_invocation_short_name. */
#define _GNU_SOURCE
#include <argp.h>
#include <error.h>
#include <obstack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <gnu/libc-version.h>

#define obstack_chunk_alloc malloc
#define obstack_chunk_free free

static int verbose, count = 3; static const char *name = "world";
static error_t parse(int key, char *arg, struct argp_state *state) {
  switch (key) {
    case 'v': verbose = 1; break;
    case 'c': count = atoi(arg); break;
    case ARGP_KEY_ARG: name = arg; break;
    default: return ARGP_ERR_UNKNOWN;
  }
  (void)state; return 0;
}
static struct argp_option options[] = {{"verbose", 'v', 0, 0, "talk more", 0}, {"count", 'c', "N", 0, "repeat N times", 0}, {0}};
static struct argp argp = {options, parse, "NAME", "gnu corpus program", 0, 0, 0};

int main(int argc, char **argv) {
  argp_parse(&argp, argc, argv, 0, 0, 0);
  printf("verbose=%d count=%d name=%s\n", verbose, count, name);
  struct obstack ob; obstack_init(&ob);
  for (int i = 0; i < count; i++) obstack_printf(&ob, "[%s %d]", name, i);
  obstack_1grow(&ob, 0); printf("obstack: %s\n", (char *)obstack_finish(&ob)); obstack_free(&ob, NULL);
  char secret[] = "frobnicate"; memfrob(secret, strlen(secret)); memfrob(secret, strlen(secret)); printf("memfrob twice: %s\n", secret);
  printf("strverscmp: %d %d\n", strverscmp("file9", "file10") < 0, strverscmp("1.2.10", "1.2.9") > 0);
  printf("short name: %s\n", program_invocation_short_name[0] ? "set" : "empty");
  printf("libc version starts with 2.: %d\n", strncmp(gnu_get_libc_version(), "2.", 2) == 0);
  fflush(stdout);
  error(0, ENOENT, "reported by error() for %s", name);
  error(7, 0, "fatal error() exits with 7");
  return 0;
}
