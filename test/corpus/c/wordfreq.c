/* Reads text on stdin, counts words in a hash table, prints the most frequent and a digest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

struct entry { char *word; int count; struct entry *next; };
static struct entry *table[4096];
static unsigned hash(const char *s) { unsigned h = 5381; while (*s) h = h * 33 + (unsigned char)*s++; return h; }
static int cmp(const void *a, const void *b) {
  const struct entry *x = *(struct entry *const *)a, *y = *(struct entry *const *)b;
  return x->count != y->count ? y->count - x->count : strcmp(x->word, y->word);
}

int main(int argc, char **argv) {
  int top = argc > 1 ? atoi(argv[1]) : 10;
  char word[256]; int len = 0, c; long words = 0, lines = 0, chars = 0; int distinct = 0;
  for (;;) {
    c = getchar();
    if (c != EOF) { chars++; if (c == '\n') lines++; }
    if (c != EOF && (isalnum(c) || c == '_')) { if (len < 255) word[len++] = (char)tolower(c); continue; }
    if (len) {
      word[len] = 0; len = 0; words++;
      unsigned h = hash(word) % 4096; struct entry *e = table[h];
      while (e && strcmp(e->word, word)) e = e->next;
      if (!e) { e = malloc(sizeof *e); e->word = strdup(word); e->count = 0; e->next = table[h]; table[h] = e; distinct++; }
      e->count++;
    }
    if (c == EOF) break;
  }
  struct entry **all = malloc((distinct + 1) * sizeof *all); int n = 0;
  for (int i = 0; i < 4096; i++) for (struct entry *e = table[i]; e; e = e->next) all[n++] = e;
  qsort(all, n, sizeof *all, cmp);
  printf("chars=%ld lines=%ld words=%ld distinct=%d\n", chars, lines, words, distinct);
  for (int i = 0; i < n && i < top; i++) printf("%7d %s\n", all[i]->count, all[i]->word);
  return 0;
}
