import { describe, expect, it } from 'vitest';
import { isMenuKey, moveIndex, stepWithin } from './roving-keys';

describe('moving between items', () => {
  it('goes one up or down, stopping at the ends', () => {
    expect(moveIndex('ArrowDown', 2, 5)).toBe(3);
    expect(moveIndex('ArrowUp', 2, 5)).toBe(1);
    expect(moveIndex('ArrowDown', 4, 5)).toBe(4);
    expect(moveIndex('ArrowUp', 0, 5)).toBe(0);
  });

  it('jumps to the first and last with Home and End', () => {
    expect(moveIndex('Home', 3, 5)).toBe(0);
    expect(moveIndex('End', 1, 5)).toBe(4);
  });

  it('starts at an end when no item was active, and ignores other keys', () => {
    expect(moveIndex('ArrowDown', -1, 5)).toBe(0);
    expect(moveIndex('ArrowUp', -1, 5)).toBe(4);
    expect(moveIndex('Enter', 1, 5)).toBeUndefined();
    expect(moveIndex('End', -1, 0)).toBeUndefined();
  });
});

describe('moving inside an item', () => {
  it('steps right and left among its stops, not past them', () => {
    expect(stepWithin('ArrowRight', 0, 3)).toBe(1);
    expect(stepWithin('ArrowLeft', 2, 3)).toBe(1);
    expect(stepWithin('ArrowRight', 2, 3)).toBeUndefined();
    expect(stepWithin('ArrowLeft', 0, 3)).toBeUndefined();
    expect(stepWithin('ArrowDown', 0, 3)).toBeUndefined();
    expect(stepWithin('ArrowRight', -1, 3)).toBeUndefined();
  });

  it('knows the context-menu key and Shift+F10', () => {
    expect(isMenuKey({ key: 'ContextMenu', shiftKey: false })).toBe(true);
    expect(isMenuKey({ key: 'F10', shiftKey: true })).toBe(true);
    expect(isMenuKey({ key: 'F10', shiftKey: false })).toBe(false);
  });
});
