/* http.c - talk to vmgrd's API with libcurl and turn replies into exit codes. */
#include "cli/http.h"

#include "core/cleanup.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#define REPLY_MAX (16u << 20)

struct buf {
	char *p;
	size_t n;
};

static size_t
collect(char *data, size_t size, size_t n, void *ud)
{
	struct buf *b = ud;
	size_t add = size * n;
	char *np;

	if (b->n + add > REPLY_MAX)
		return 0;
	np = realloc(b->p, b->n + add + 1);
	if (!np)
		return 0;
	memcpy(np + b->n, data, add);
	b->n += add;
	np[b->n] = '\0';
	b->p = np;
	return add;
}

int
http_target_init(struct cli *cli, struct http_target *t, const char *token_file)
{
	const char *env;

	if (!t->socket && !t->url) {
		if ((env = getenv("VMGR_URL")) && *env)
			t->url = env;
		else if ((env = getenv("VMGR_SOCKET")) && *env)
			t->socket = env;
		else
			t->socket = "./var/vmgrd.sock";
	}
	if (token_file) {
		_cleanup_fclose_ FILE *f = fopen(token_file, "re");

		if (!f || !fgets(t->token, sizeof(t->token), f))
			return cli_fail(cli, "token", EXIT_USAGE,
			    "--token-file %s: unreadable", token_file);
		t->token[strcspn(t->token, "\r\n")] = '\0';
	} else if ((env = getenv("VMGR_TOKEN"))) {
		snprintf(t->token, sizeof(t->token), "%s", env);
	}
	return EXIT_OK;
}

int
http_call(struct cli *cli, const struct http_target *t, const char *method,
    const char *path, const json_t *body, long timeout_ms, json_t **ret,
    char **ret_text)
{
	_cleanup_free_ char *in = body ? json_dumps(body, JSON_COMPACT) : NULL;
	struct curl_slist *hdr = NULL;
	struct buf b = { 0 };
	char url[1024], auth[300];
	CURL *c = curl_easy_init();
	CURLcode rc;
	long status = 0;

	*ret = NULL;
	if (ret_text)
		*ret_text = NULL;
	if (!c)
		return -ENOMEM;
	if (t->url) {
		snprintf(url, sizeof(url), "%s%s", t->url, path);
	} else {
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, t->socket);
		snprintf(url, sizeof(url), "http://localhost%s", path);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
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
	if (in)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, in);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK) {
		free(b.p);
		cli_fail(cli, "connect", EXIT_UNREACHABLE,
		    "cannot reach vmgrd at %s%s: %s (is it running?)",
		    t->url ? "" : "unix:", t->url ? t->url : t->socket,
		    curl_easy_strerror(rc));
		return -ECONNREFUSED;
	}
	if (b.p)
		*ret = json_loads(b.p, 0, NULL);
	if (!*ret && ret_text) {
		*ret_text = b.p;
		b.p = NULL;
	}
	free(b.p);
	return (int)status;
}

int
http_exit(struct cli *cli, const char *cmd, int status, const json_t *j)
{
	const char *msg;

	if (status < 0)
		return EXIT_UNREACHABLE;
	if (status >= 200 && status < 300)
		return EXIT_OK;
	msg = json_string_value(json_object_get(j, "error"));
	cli_fail(cli, cmd, status == 404 ? EXIT_NOTFOUND : EXIT_FAIL,
	    "%s (HTTP %d)", msg ? msg : "request failed", status);
	return status == 404 ? EXIT_NOTFOUND : EXIT_FAIL;
}
