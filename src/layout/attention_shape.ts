/** Widths of the classifier's attention memory (src/meta/attention_memory.ts): keys and queries, values. */
export const MEMORY = { key: 16, value: 32 } as const;
