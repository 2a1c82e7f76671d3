#include "test-util.h"

#include "core/sha256.h"

START_TEST(test_the_standard_vectors_hash_as_published)
{
	char hex[PROV_SHA256_HEX_SIZE];

	prov_sha256_hex("", 0, hex);
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	prov_sha256_hex("abc", 3, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	prov_sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
	ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}
END_TEST

START_TEST(test_a_million_a_fed_in_uneven_pieces_hashes_as_published)
{
	char piece[997];
	uint8_t digest[PROV_SHA256_SIZE];
	prov_sha256 ctx;
	size_t left = 1000000;

	memset(piece, 'a', sizeof(piece));
	prov_sha256_init(&ctx);
	while (left > 0) {
		size_t n = left < sizeof(piece) ? left : sizeof(piece);

		prov_sha256_update(&ctx, piece, n);
		left -= n;
	}
	prov_sha256_final(&ctx, digest);
	ck_assert_uint_eq(digest[0], 0xcd);
	ck_assert_uint_eq(digest[1], 0xc7);
	ck_assert_uint_eq(digest[30], 0x2c);
	ck_assert_uint_eq(digest[31], 0xd0);
}
END_TEST

START_TEST(test_lengths_around_the_padding_boundary_differ)
{
	char text[130], a[PROV_SHA256_HEX_SIZE], b[PROV_SHA256_HEX_SIZE];

	memset(text, 'x', sizeof(text));
	/* 55 bytes pad in one block, 56 need two: both must work and differ. */
	prov_sha256_hex(text, 55, a);
	prov_sha256_hex(text, 56, b);
	ck_assert_str_ne(a, b);
	prov_sha256_hex(text, 64, a);
	ck_assert_str_eq(a, "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sha256");
	TCase *tc = tcase_create("sha256");

	tcase_add_test(tc, test_the_standard_vectors_hash_as_published);
	tcase_add_test(tc, test_a_million_a_fed_in_uneven_pieces_hashes_as_published);
	tcase_add_test(tc, test_lengths_around_the_padding_boundary_differ);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
