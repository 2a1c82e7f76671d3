/*
 * {{git.branch}}: the branch checked out in the repository above a
 * directory, read from .git/HEAD without starting git. In a linked worktree
 * or a submodule .git is a file ("gitdir: PATH") naming the real directory.
 */
#include "config/private.h"
#include "core/err.h"
#include "core/file.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define HEAD_MAX 4096
#define SHORT_HASH 7

static void trim_line(char *s)
{
	size_t len = strcspn(s, "\r\n");

	s[len] = '\0';
}

/*
 * The .git of the repository at or above dir; NULL when none. *is_file tells a
 * "gitdir:" file (a worktree or submodule) from the directory itself.
 */
static char *find_git_dir(const char *dir, bool *is_file)
{
	char *here = prov_strdup(dir);

	while (here) {
		char *candidate = NULL;
		struct stat st;
		char *slash;

		if (asprintf(&candidate, "%s/.git", strcmp(here, "/") == 0 ? "" : here) < 0)
			break;
		if (stat(candidate, &st) == 0) {
			*is_file = !S_ISDIR(st.st_mode);
			free(here);
			return candidate;
		}
		free(candidate);
		slash = strrchr(here, '/');
		if (!slash || slash == here) {
			if (strcmp(here, "/") == 0)
				break;
			strcpy(here, "/");
			continue;
		}
		*slash = '\0';
	}
	free(here);
	return NULL;
}

/* Follow a "gitdir: PATH" file (PATH relative to the file's directory). */
static int resolve_gitdir_file(char **git_dir)
{
	char *text = NULL, *target, *joined = NULL;
	size_t len;
	int rc = prov_file_read(*git_dir, HEAD_MAX, &text, &len);

	if (rc)
		return rc;
	trim_line(text);
	if (strncmp(text, "gitdir: ", 8) != 0) {
		rc = prov_err_at(PROV_ECONFIG, PROV_ERRCAT_CONFIGURATION, *git_dir, 1,
				 "not a 'gitdir:' file");
	} else {
		target = text + 8;
		if (target[0] == '/')
			joined = prov_strdup(target);
		else if (asprintf(&joined, "%.*s/%s", (int)(strrchr(*git_dir, '/') - *git_dir),
				  *git_dir, target) < 0)
			joined = NULL;
		if (!joined)
			rc = prov_err_nomem();
	}
	free(text);
	if (rc == PROV_OK) {
		free(*git_dir);
		*git_dir = joined;
	}
	return rc;
}

static int branch_from_head(const char *head_path, char *head, char **out)
{
	const char *ref = "ref: refs/heads/";

	trim_line(head);
	if (strncmp(head, ref, strlen(ref)) == 0)
		*out = prov_strdup(head + strlen(ref));
	else if (strncmp(head, "ref: ", 5) == 0)
		*out = prov_strdup(head + 5);
	else if (strlen(head) >= SHORT_HASH && strspn(head, "0123456789abcdef") == strlen(head))
		*out = prov_strndup(head, SHORT_HASH);
	else
		return prov_err_at(PROV_ECONFIG, PROV_ERRCAT_CONFIGURATION, head_path, 1,
				   "cannot read a branch or commit from HEAD");
	return *out ? PROV_OK : PROV_ENOMEM;
}

int prov_git_branch(const char *dir, char **out)
{
	bool gitdir_file = false;
	char *git_dir = find_git_dir(dir, &gitdir_file), *head_path = NULL, *head = NULL;
	size_t len;
	int rc = PROV_OK;

	*out = NULL;
	if (!git_dir)
		return prov_err_set(PROV_ENOTFOUND, PROV_ERRCAT_CONFIGURATION,
				    "no git repository at or above %s", dir);
	if (gitdir_file)
		rc = resolve_gitdir_file(&git_dir);
	if (rc == PROV_OK && asprintf(&head_path, "%s/HEAD", git_dir) < 0) {
		head_path = NULL;
		rc = prov_err_nomem();
	}
	if (rc == PROV_OK)
		rc = prov_file_read(head_path, HEAD_MAX, &head, &len);
	if (rc == PROV_OK)
		rc = branch_from_head(head_path, head, out);
	free(head);
	free(head_path);
	free(git_dir);
	return rc;
}
