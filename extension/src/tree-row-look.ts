// What every row of the sidebar's trees shows, whatever it stands for (a host, a lab, a cloud
// instance…). The models build rows with this look; the `vscode` adapters turn it into TreeItems.

/** Codicon name plus the theme colour that tints it, if any. */
export interface RowIcon {
  codicon: string;
  color?: string;
}

export interface RowLook {
  id: string;
  label: string;
  description?: string;
  tooltip: string;
  icon: RowIcon;
  /** What menus match on: words such as `vm running lab ssh` (row-context.ts), or `cloudInstance:running:…`. */
  contextValue: string;
}
