/* Multi-path recall (多路召回, the notes' §4 Q1 (4)): several recall paths
 * (interest tags, quality, genre, embeddings, ...) each return a ranked list
 * of item ids for a user; their scores are not comparable, so the lists are
 * merged by quotas, not by score, and the ranker orders the result.
 *
 * Merge (rn_recall_merge), k slots, quota[p] of them for path p:
 *   priority:     path 1 takes its first quota[1] ids not yet taken, then
 *                 path 2, ...; an id a higher path took is skipped (credited
 *                 to that path) and the lower path goes one deeper.
 *   round_robin:  one id per path in turn (snake over the paths), each path
 *                 until its quota is spent.
 * Either way, slots left when a path runs dry go, in the same order, to the
 * paths' further ids beyond their quotas.
 *
 * Evaluation (rn_recall_report) with one held-out item per user
 * (leave-last-out), for each path and for the merged list:
 *   recall@K  the share of users whose held-out item is in the list;
 *   coverage  distinct ids recalled over all users / catalogue size;
 *   jaccard   per pair of paths, |A n B| / |A u B| of a user's two lists,
 *             averaged over users;
 *   share     of the merged list's hits, the share each path put there.
 */
#ifndef RN_MULTIPATH_H
#define RN_MULTIPATH_H

#include <stddef.h>
#include <stdint.h>

enum { RN_RECALL_PRIORITY = 0, RN_RECALL_ROUND_ROBIN = 1 };

/* Merges n_paths lists (lists[p] holds lens[p] ids, best first; ids >= 0)
 * into at most k ids out (and out_path[j], the 0-based path that took
 * out[j]), quota[p] >= 0 slots each (their sum may differ from k: the merge
 * stops at k, and fills up beyond the quotas when they fall short). Returns
 * the count, or RN_EARG naming a bad argument. */
int rn_recall_merge(int n_paths, const int64_t *const *lists, const size_t *lens, const int *quota,
                    int mode, int k, int64_t *out, int *out_path);

/* |A n B| / |A u B| of two id lists (duplicates inside a list count once);
 * two empty lists: 0. */
double rn_recall_jaccard(const int64_t *a, size_t na, const int64_t *b, size_t nb);

/* The lists of n_users users for n_paths paths, flat: user u's list of path
 * p is ids[p][off[p][u] .. off[p][u+1]). truth[u] is u's held-out id. The
 * merged lists the same way (merged, moff) with merged_path, the path of
 * each merged id (as rn_recall_merge writes it). */
typedef struct {
    int n_paths;
    size_t n_users;
    const int64_t *const *ids;
    const size_t *const *off;
    const int64_t *merged;
    const size_t *moff;
    const int *merged_path;
    const int64_t *truth;
    size_t n_items; /* the catalogue, for coverage */
} rn_recall_lists;

/* recall[p], coverage[p] for p < n_paths and, at index n_paths, the merged
 * list's; jaccard[n_paths x n_paths] (1 on the diagonal); share[n_paths].
 * RN_EARG on a bad argument, RN_ENOMEM. */
int rn_recall_report(const rn_recall_lists *L, double *recall, double *coverage, double *jaccard,
                     double *share);

#endif
