/**
 * The rewrite rules as data: one entry per rule says its name, what it removes (what its
 * count counts) and the function. The driver (`rewrite.ts`) runs them in this order each
 * round; `removableChannels` and the statistics read the table, never rule names.
 *
 * @module
 */
import type { Analysis } from "../channels/analysis.ts";
import type { MinGraph } from "./min_graph.ts";
import { bypassZeroAdds } from "./rules/bypass_zero_adds.ts";
import { dropPassThrough } from "./rules/drop_pass_through.ts";
import { dropUnreadNodes } from "./rules/drop_unread_nodes.ts";
import { dropZeroBiases } from "./rules/drop_zero_biases.ts";
import { removeChannelClasses } from "./rules/remove_channel_classes.ts";
import { selectLiveChannels } from "./rules/select_live_channels.ts";

/** A rewrite rule: changes the working graph, returns how many things it removed. */
export type Rule = (mg: MinGraph, a: Analysis) => number;

/** One entry of the rule table. */
export interface RewriteRule {
  /** Rule name (the key of `MinimizeStats.removed`). */
  readonly name: string;
  /** What its count counts. */
  readonly removes: string;
  /** The rule. */
  readonly apply: Rule;
}

/** Every rule, in the order the driver tries them each round. */
export const RULE_TABLE: readonly RewriteRule[] = [
  {
    name: "removeChannelClasses",
    removes: "classes of coupled channels (dead, or constant where they are read)",
    apply: removeChannelClasses,
  },
  {
    name: "selectLiveChannels",
    removes: "dead channels kept behind a select for their dense readers",
    apply: selectLiveChannels,
  },
  { name: "bypassZeroAdds", removes: "sums with an exactly zero input", apply: bypassZeroAdds },
  { name: "dropUnreadNodes", removes: "nodes nothing reads", apply: dropUnreadNodes },
  { name: "dropPassThrough", removes: "nodes that pass a value through", apply: dropPassThrough },
  { name: "dropZeroBiases", removes: "entries of all-zero optional biases", apply: dropZeroBiases },
];
