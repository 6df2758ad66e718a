/** `1 client`, `2 clients`, `1 check`; a word whose plural is not its singular plus s gives it. */
export const plural = (count: number, word: string, many = `${word}s`): string => `${count} ${count === 1 ? word : many}`
