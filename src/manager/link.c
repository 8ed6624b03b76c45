/* link.c - HTTP calls to agents with libcurl (TCP with a token, or a UNIX socket). */
#include "manager/link.h"

#include "core/error.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define BODY_MAX (1u << 20)

struct link {
	CURL *curl;
};

struct buf {
	char *p;
	size_t n;
	bool too_big;
};

static size_t
collect(char *data, size_t size, size_t n, void *ud)
{
	struct buf *b = ud;
	size_t add = size * n;
	char *np;

	if (b->n + add > BODY_MAX) {
		b->too_big = true;
		return 0;
	}
	np = realloc(b->p, b->n + add + 1);
	if (!np)
		return 0;
	memcpy(np + b->n, data, add);
	b->n += add;
	np[b->n] = '\0';
	b->p = np;
	return add;
}

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void
global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int
link_global_init(void)
{
	pthread_once(&global_once, global_init);
	return global_rc == CURLE_OK ? 0 : -EIO;
}

int
link_new(struct link **ret)
{
	struct link *l;

	if (link_global_init() < 0)
		return -EIO;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->curl = curl_easy_init();
	if (!l->curl) {
		free(l);
		return -ENOMEM;
	}
	*ret = l;
	return 0;
}

struct link *
link_free(struct link *l)
{
	if (!l)
		return NULL;
	curl_easy_cleanup(l->curl);
	free(l);
	return NULL;
}

int
link_call(struct link *l, const struct link_target *t, const char *method,
    const char *path, const char *body, uint32_t timeout_ms, long *ret_status,
    char **ret_body, struct diag *d)
{
	struct curl_slist *hdr = NULL;
	struct buf b = { 0 };
	char url[512], auth[192];
	CURLcode rc;
	CURL *c = l->curl;

	curl_easy_reset(c);
	if (strncmp(t->url, "unix:", 5) == 0) {
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, t->url + 5);
		snprintf(url, sizeof(url), "http://localhost%s", path);
	} else {
		snprintf(url, sizeof(url), "%s%s", t->url, path);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)(timeout_ms < 1000 ? timeout_ms : 1000));
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	if (t->token[0]) {
		snprintf(
		    auth, sizeof(auth), "Authorization: Bearer %s", t->token);
		hdr = curl_slist_append(hdr, auth);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	rc = curl_easy_perform(c);
	curl_slist_free_all(hdr);
	if (rc != CURLE_OK) {
		free(b.p);
		diag_set(d, "%s %s%s: %s", method, t->url, path,
		    b.too_big ? "reply larger than 1 MiB"
			      : curl_easy_strerror(rc));
		return rc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT
		    : rc == CURLE_COULDNT_CONNECT     ? -ECONNREFUSED
						      : -EPROTO;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, ret_status);
	*ret_body = b.p ? b.p : strdup("");
	return *ret_body ? 0 : -ENOMEM;
}
