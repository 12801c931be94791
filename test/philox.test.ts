import { expect, test } from '@playwright/test';
import { philox4x32 } from '../src/layout/philox';

// Known-answer vectors published with Random123 (Salmon et al. 2011).
test('philox4x32-10 reference matches the published known answers', () => {
  expect(philox4x32([0, 0, 0, 0], [0, 0])).toEqual([0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
  expect(philox4x32([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff])).toEqual([
    0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd,
  ]);
});
