#include "config-test.h"

#include <sys/stat.h>

static prov_config_resolver *r;
static char *repo_dir;

static void setup(void)
{
	ck_assert_int_eq(prov_config_resolver_new(&r), PROV_OK);
	ck_assert_int_eq(prov_config_resolver_set_base_dir(r, "/srv/app"), PROV_OK);
}

static void teardown(void)
{
	prov_config_resolver_free(r);
	test_rmtree(repo_dir);
	free(repo_dir);
	repo_dir = NULL;
}

static prov_config *resolve_yaml(const char *yaml)
{
	add_text(r, PROV_CONFIG_LAYER_PROJECT, "p.yaml", yaml, PROV_FORMAT_YAML);
	return resolve_ok(r);
}

static const char *yaml_fails(const char *yaml, int code)
{
	add_text(r, PROV_CONFIG_LAYER_PROJECT, "p.yaml", yaml, PROV_FORMAT_YAML);
	return resolve_fails(r, code);
}

START_TEST(test_paths_base_and_key_references_expand)
{
	prov_config *c = resolve_yaml("name: web\nhost: \"{{name}}-1.{{ zone }}\"\nzone: de-fra1\n"
				      "dir: \"{{paths.base}}/state\"\n");

	ck_assert_str_eq(get_str(c, "host"), "web-1.de-fra1");
	ck_assert_str_eq(get_str(c, "dir"), "/srv/app/state");
	prov_config_free(c);
}
END_TEST

START_TEST(test_a_single_reference_keeps_the_referenced_type)
{
	prov_config *c = resolve_yaml("count: 3\nalias: \"{{count}}\"\nlist: [a, b]\nsame: \"{{list}}\"\n"
				      "t: {x: 1}\ncopy: \"{{t}}\"\ntext: \"n={{count}}\"\nf: 1.5\n"
				      "g: \"{{f}}/{{ t.x }}/{{flag}}\"\nflag: true\n");
	size_t n;
	int type;

	ck_assert_int_eq(get_int(c, "alias"), 3);
	ck_assert_int_eq(prov_config_get_array_length(c, "same", &n), PROV_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(get_int(c, "copy.x"), 1);
	ck_assert_int_eq(prov_config_get_type(c, "copy", &type), PROV_OK);
	ck_assert_int_eq(type, PROV_CONFIG_TABLE);
	ck_assert_str_eq(get_str(c, "text"), "n=3");
	ck_assert_str_eq(get_str(c, "g"), "1.5/1/true");
	prov_config_free(c);
}
END_TEST

START_TEST(test_a_single_reference_reports_where_it_was_written)
{
	prov_config *c = resolve_yaml("count: 3\nalias: \"{{count}}\"\n");
	const char *file;
	int line;

	ck_assert_int_eq(prov_config_get_origin(c, "alias", NULL, &file, &line), PROV_OK);
	ck_assert_str_eq(file, "p.yaml");
	ck_assert_int_eq(line, 2);
	prov_config_free(c);
}
END_TEST

START_TEST(test_references_chain_through_other_references)
{
	prov_config *c = resolve_yaml("a: \"{{b}}/a\"\nb: \"{{c}}/b\"\nc: \"{{paths.base}}\"\n"
				      "t: \"{{u}}\"\nu: {v: \"{{c}}/v\"}\nw: \"{{t.v}}!\"\n");

	ck_assert_str_eq(get_str(c, "a"), "/srv/app/b/a");
	ck_assert_str_eq(get_str(c, "t.v"), "/srv/app/v");
	ck_assert_str_eq(get_str(c, "w"), "/srv/app/v!");
	prov_config_free(c);
}
END_TEST

START_TEST(test_references_reach_into_arrays_and_quoted_keys)
{
	prov_config *c = resolve_yaml("servers: [{ip: 10.0.0.1}, {ip: 10.0.0.2}]\n"
				      "hosts: {\"example.com\": 1.2.3.4}\n"
				      "second: \"{{servers.1.ip}}\"\nhost: \"{{hosts.\\\"example.com\\\"}}\"\n");

	ck_assert_str_eq(get_str(c, "second"), "10.0.0.2");
	ck_assert_str_eq(get_str(c, "host"), "1.2.3.4");
	prov_config_free(c);
}
END_TEST

START_TEST(test_env_references_and_defaults)
{
	const char *env[] = { "HOME_DIR=/home/u", "EMPTY=", NULL };
	prov_config *c;

	ck_assert_int_eq(prov_config_resolver_add_environment(r, env), PROV_OK);
	c = resolve_yaml("h: \"{{env.HOME_DIR}}/x\"\nd: \"{{env.MISSING:-fallback}}\"\n"
			 "e: \"{{env.EMPTY:-was empty}}\"\nf: \"[{{env.EMPTY}}]\"\ng: \"{{env.NONE:-}}\"\n");
	ck_assert_str_eq(get_str(c, "h"), "/home/u/x");
	ck_assert_str_eq(get_str(c, "d"), "fallback");
	ck_assert_str_eq(get_str(c, "e"), "was empty");
	ck_assert_str_eq(get_str(c, "f"), "[]");
	ck_assert_str_eq(get_str(c, "g"), "");
	prov_config_free(c);
}
END_TEST

START_TEST(test_a_missing_env_variable_is_an_error_naming_file_and_line)
{
	const char *env[] = { NULL };

	ck_assert_int_eq(prov_config_resolver_add_environment(r, env), PROV_OK);
	ck_assert_str_eq(yaml_fails("a: 1\nb: \"{{env.NOPE}}\"\n", PROV_ECONFIG),
			 "p.yaml:2: environment variable NOPE is not set "
			 "(write {{env.NOPE:-default}} to give a default)");
	ck_assert_str_eq(prov_error_last()->file, "p.yaml");
	ck_assert_int_eq(prov_error_last()->line, 2);
}
END_TEST

START_TEST(test_now_gives_the_date_and_datetime)
{
	prov_config *c = resolve_yaml("d: \"{{now.date}}\"\nt: \"{{now.datetime}}\"\n");
	const char *d = get_str(c, "d"), *t = get_str(c, "t");

	ck_assert_uint_eq(strlen(d), 10);
	ck_assert_int_eq(d[4], '-');
	ck_assert_uint_eq(strlen(t), 20);
	ck_assert_int_eq(t[10], 'T');
	ck_assert_int_eq(t[19], 'Z');
	ck_assert(strncmp(d, t, 10) == 0);
	prov_config_free(c);
}
END_TEST

static char *make_repo(const char *head, bool worktree)
{
	char *dir = test_tmpdir(), *git = test_path(dir, ".git"), *sub = test_path(dir, "a/b");
	char *real = test_path(dir, "gitdir"), *a = test_path(dir, "a"), *path;

	if (worktree) {
		ck_assert_int_eq(mkdir(real, 0700), 0);
		test_write_file(git, "gitdir: gitdir\n");
		path = test_path(real, "HEAD");
	} else {
		ck_assert_int_eq(mkdir(git, 0700), 0);
		path = test_path(git, "HEAD");
	}
	test_write_file(path, head);
	ck_assert_int_eq(mkdir(a, 0700), 0);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	free(path);
	free(git);
	free(real);
	free(a);
	repo_dir = dir;
	return sub;
}

static const char *branch_in(const char *base)
{
	static char branch[64];
	prov_config *c;

	ck_assert_int_eq(prov_config_resolver_set_base_dir(r, base), PROV_OK);
	c = resolve_yaml("b: \"{{git.branch}}\"\n");
	snprintf(branch, sizeof(branch), "%s", get_str(c, "b"));
	prov_config_free(c);
	return branch;
}

START_TEST(test_git_branch_is_read_from_head_above_paths_base)
{
	char *sub = make_repo("ref: refs/heads/feature/x\n", false);

	ck_assert_str_eq(branch_in(sub), "feature/x");
	free(sub);
}
END_TEST

START_TEST(test_a_detached_head_gives_the_short_hash)
{
	char *sub = make_repo("0123456789abcdef0123456789abcdef01234567\n", false);

	ck_assert_str_eq(branch_in(sub), "0123456");
	free(sub);
}
END_TEST

START_TEST(test_a_worktree_gitdir_file_is_followed)
{
	char *sub = make_repo("ref: refs/heads/wt\n", true);

	ck_assert_str_eq(branch_in(sub), "wt");
	free(sub);
}
END_TEST

START_TEST(test_git_branch_without_a_repository_is_an_error)
{
	char *dir = test_tmpdir();

	ck_assert_int_eq(prov_config_resolver_set_base_dir(r, dir), PROV_OK);
	ck_assert_contains(yaml_fails("b: \"{{git.branch}}\"\n", PROV_ENOTFOUND),
			   "p.yaml:1: {{git.branch}}: no git repository at or above");
	test_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(test_an_escaped_brace_is_literal)
{
	prov_config *c = resolve_yaml("a: '\\{{name}} and {{x}}'\nx: 1\nb: 'back\\slash'\n");

	ck_assert_str_eq(get_str(c, "a"), "{{name}} and 1");
	ck_assert_str_eq(get_str(c, "b"), "back\\slash");
	prov_config_free(c);
}
END_TEST

START_TEST(test_an_escaped_value_is_not_expanded_again_through_a_reference)
{
	prov_config *c = resolve_yaml("lit: '\\{{x}}'\nx: 1\ncopy: \"{{lit}}\"\nt: {s: '\\{{x}}'}\nu: \"{{t}}\"\n");

	ck_assert_str_eq(get_str(c, "copy"), "{{x}}");
	ck_assert_str_eq(get_str(c, "u.s"), "{{x}}");
	prov_config_free(c);
}
END_TEST

START_TEST(test_an_unknown_reference_names_file_and_line)
{
	ck_assert_str_eq(yaml_fails("a: 1\nb:\n  c: \"x{{nope.key}}\"\n", PROV_ECONFIG),
			 "p.yaml:3: unknown reference {{nope.key}}");
}
END_TEST

START_TEST(test_a_cycle_is_an_error_naming_the_chain)
{
	const char *message = yaml_fails("a: \"{{b}}\"\nb: \"x{{c}}\"\nc: \"{{a}}\"\n", PROV_ECYCLE);

	ck_assert_str_eq(message, "p.yaml:1: reference cycle: a -> b -> c -> a");
}
END_TEST

START_TEST(test_a_self_reference_through_a_table_is_a_cycle)
{
	ck_assert_contains(yaml_fails("t:\n  x: \"{{t}}\"\n", PROV_ECYCLE), "reference cycle: t.x");
}
END_TEST

START_TEST(test_malformed_references_are_errors)
{
	ck_assert_str_eq(yaml_fails("a: \"{{x\"\n", PROV_ECONFIG),
			 "p.yaml:1: unterminated reference: '{{' without '}}'");
}
END_TEST

START_TEST(test_a_table_inside_text_is_an_error)
{
	ck_assert_str_eq(yaml_fails("t: {x: 1}\na: \"see {{t}}\"\n", PROV_ECONFIG),
			 "p.yaml:2: {{t}} is a table and cannot be part of a string");
}
END_TEST

START_TEST(test_an_empty_reference_is_an_error)
{
	ck_assert_str_eq(yaml_fails("a: \"{{ }}\"\n", PROV_ECONFIG), "p.yaml:1: empty reference {{}}");
}
END_TEST

START_TEST(test_a_bad_env_name_is_an_error)
{
	ck_assert_str_eq(yaml_fails("a: \"{{env.A-B}}\"\n", PROV_ECONFIG),
			 "p.yaml:1: invalid environment variable name in {{env.A-B}}");
}
END_TEST

START_TEST(test_a_long_reference_chain_is_refused)
{
	char yaml[4096] = "";

	for (int i = 0; i < 40; i++)
		snprintf(yaml + strlen(yaml), sizeof(yaml) - strlen(yaml), "k%d: \"{{k%d}}x\"\n", i, i + 1);
	strcat(yaml, "k40: end\n");
	ck_assert_contains(yaml_fails(yaml, PROV_ECONFIG), "references nested deeper than 32 levels");
}
END_TEST

static Suite *interpolate_suite(void)
{
	Suite *s = suite_create("config-interpolate");
	TCase *tc = tcase_create("forms");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_paths_base_and_key_references_expand);
	tcase_add_test(tc, test_a_single_reference_keeps_the_referenced_type);
	tcase_add_test(tc, test_a_single_reference_reports_where_it_was_written);
	tcase_add_test(tc, test_references_chain_through_other_references);
	tcase_add_test(tc, test_references_reach_into_arrays_and_quoted_keys);
	tcase_add_test(tc, test_env_references_and_defaults);
	tcase_add_test(tc, test_now_gives_the_date_and_datetime);
	tcase_add_test(tc, test_git_branch_is_read_from_head_above_paths_base);
	tcase_add_test(tc, test_a_detached_head_gives_the_short_hash);
	tcase_add_test(tc, test_a_worktree_gitdir_file_is_followed);
	tcase_add_test(tc, test_an_escaped_brace_is_literal);
	tcase_add_test(tc, test_an_escaped_value_is_not_expanded_again_through_a_reference);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_a_missing_env_variable_is_an_error_naming_file_and_line);
	tcase_add_test(tc, test_git_branch_without_a_repository_is_an_error);
	tcase_add_test(tc, test_an_unknown_reference_names_file_and_line);
	tcase_add_test(tc, test_a_cycle_is_an_error_naming_the_chain);
	tcase_add_test(tc, test_a_self_reference_through_a_table_is_a_cycle);
	tcase_add_test(tc, test_malformed_references_are_errors);
	tcase_add_test(tc, test_a_table_inside_text_is_an_error);
	tcase_add_test(tc, test_an_empty_reference_is_an_error);
	tcase_add_test(tc, test_a_bad_env_name_is_an_error);
	tcase_add_test(tc, test_a_long_reference_chain_is_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(interpolate_suite());
}
