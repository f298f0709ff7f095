//! Sharding functions: which shard a `SET SHARDING KEY TO` key belongs to.
//!
//! `pg_bigint_hash` is PostgreSQL's own hash partitioning of a `bigint` column
//! (`hashint8extended` with the partition seed, then `hash_combine64`, modulo the number
//! of partitions), so shard `n` holds exactly the rows a `PARTITION BY HASH` table puts in
//! the partition `FOR VALUES WITH (MODULUS shards, REMAINDER n)`. `sha1` is PgCat's.

use sha1::{Digest, Sha1};

use crate::config::ShardingFunction;

/// PostgreSQL's `HASH_PARTITION_SEED`.
const HASH_PARTITION_SEED: u64 = 0x7A5B_2236_7996_DCFD;

/// The shard of `key` among `shards` (at least 1).
pub fn shard_of(function: ShardingFunction, key: i64, shards: usize) -> usize {
    let shards = shards.max(1) as u64;
    let hash = match function {
        ShardingFunction::PgBigintHash => partition_hash_bigint(key),
        ShardingFunction::Sha1 => sha1_tail(key),
    };
    // The remainder is below `shards`, itself a usize.
    usize::try_from(hash % shards).unwrap_or(0)
}

/// PgCat's `sha1`: the last 8 hex digits (4 bytes) of the SHA-1 of the key's decimal
/// text, as a number.
fn sha1_tail(key: i64) -> u64 {
    let digest = Sha1::digest(key.to_string().as_bytes());
    let tail = [digest[16], digest[17], digest[18], digest[19]];
    u64::from(u32::from_be_bytes(tail))
}

/// `compute_partition_hash_value` for one `bigint` key.
fn partition_hash_bigint(key: i64) -> u64 {
    hash_combine64(0, hashint8extended(key, HASH_PARTITION_SEED))
}

/// PostgreSQL's `hashint8extended`: the two halves folded so that equal values of
/// int2/int4/int8 hash alike.
fn hashint8extended(value: i64, seed: u64) -> u64 {
    // Truncations as in the C source: the low and high 32 bits.
    let mut lohalf = value as u32;
    let hihalf = (value >> 32) as u32;
    lohalf ^= if value >= 0 { hihalf } else { !hihalf };
    hash_uint32_extended(lohalf, seed)
}

/// PostgreSQL's `hash_bytes_uint32_extended` (Bob Jenkins' lookup3 on one word).
fn hash_uint32_extended(k: u32, seed: u64) -> u64 {
    let init = 0x9e37_79b9_u32.wrapping_add(4).wrapping_add(3_923_095);
    let (mut a, mut b, mut c) = (init, init, init);
    if seed != 0 {
        a = a.wrapping_add((seed >> 32) as u32);
        b = b.wrapping_add(seed as u32);
        mix(&mut a, &mut b, &mut c);
    }
    a = a.wrapping_add(k);
    final_mix(&mut a, &mut b, &mut c);
    (u64::from(b) << 32) | u64::from(c)
}

fn mix(a: &mut u32, b: &mut u32, c: &mut u32) {
    *a = a.wrapping_sub(*c);
    *a ^= c.rotate_left(4);
    *c = c.wrapping_add(*b);
    *b = b.wrapping_sub(*a);
    *b ^= a.rotate_left(6);
    *a = a.wrapping_add(*c);
    *c = c.wrapping_sub(*b);
    *c ^= b.rotate_left(8);
    *b = b.wrapping_add(*a);
    *a = a.wrapping_sub(*c);
    *a ^= c.rotate_left(16);
    *c = c.wrapping_add(*b);
    *b = b.wrapping_sub(*a);
    *b ^= a.rotate_left(19);
    *a = a.wrapping_add(*c);
    *c = c.wrapping_sub(*b);
    *c ^= b.rotate_left(4);
    *b = b.wrapping_add(*a);
}

fn final_mix(a: &mut u32, b: &mut u32, c: &mut u32) {
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(14));
    *a ^= *c;
    *a = a.wrapping_sub(c.rotate_left(11));
    *b ^= *a;
    *b = b.wrapping_sub(a.rotate_left(25));
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(16));
    *a ^= *c;
    *a = a.wrapping_sub(c.rotate_left(4));
    *b ^= *a;
    *b = b.wrapping_sub(a.rotate_left(14));
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(24));
}

/// `hash_combine64`: folds a column's hash into the row's.
fn hash_combine64(a: u64, b: u64) -> u64 {
    a ^ b
        .wrapping_add(0x49a0_f4dd_15e5_a8e3)
        .wrapping_add(a << 54)
        .wrapping_add(a >> 7)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_lands_in_range() {
        for shards in 1..6 {
            for key in [-5_i64, 0, 1, 42, i64::MAX, i64::MIN] {
                for f in [ShardingFunction::PgBigintHash, ShardingFunction::Sha1] {
                    assert!(shard_of(f, key, shards) < shards);
                }
            }
        }
        assert_eq!(shard_of(ShardingFunction::Sha1, 7, 0), 0);
    }

    #[test]
    fn sha1_uses_the_digest_tail() {
        // sha1("1") = 356a192b7913b04c54574d18c28d46e6395428ab: tail 0x395428ab.
        assert_eq!(sha1_tail(1), 0x3954_28ab);
    }

    #[test]
    fn keys_spread_over_shards() {
        let mut seen = [0usize; 4];
        for key in 0..400 {
            seen[shard_of(ShardingFunction::PgBigintHash, key, 4)] += 1;
        }
        assert!(seen.iter().all(|&n| n > 50), "{seen:?}");
    }
}
